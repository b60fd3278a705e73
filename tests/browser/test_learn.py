"""The kernel-learning page in a real browser: train, watch the kernels change, ask about a drawing, send a
kernel to the playground."""

from .conftest import assert_healthy, open_page, save_screenshot, wait_for_idle


def kernel_numbers(page) -> list[str]:
    return page.locator("div.grid").filter(has_text="Kernel ").all_inner_texts()


def draw_an_x(page) -> None:
    """Two strokes across the drawing pad, as a learner draws with the mouse."""
    pad = page.locator("canvas").last  # the drawing component draws on canvases inside a shadow root
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    for (x0, y0), (x1, y1) in [((0.25, 0.25), (0.75, 0.75)), ((0.75, 0.25), (0.25, 0.75))]:
        page.mouse.move(box["x"] + x0 * box["width"], box["y"] + y0 * box["height"])
        page.mouse.down()
        page.mouse.move(box["x"] + x1 * box["width"], box["y"] + y1 * box["height"], steps=12)
        page.mouse.up()
    wait_for_idle(page)


def test_train_a_few_steps_and_send_a_kernel_to_the_playground(page):
    open_page(page, "Kernels_that_learn")
    assert page.get_by_text("Random numbers: it has learned nothing yet.").first.is_visible()
    before = kernel_numbers(page)
    for _ in range(3):
        page.get_by_role("button", name="One epoch").click()
        wait_for_idle(page)
    assert page.get_by_text("Epoch 3.0").is_visible()
    assert kernel_numbers(page) != before
    assert page.get_by_text("Responds to ").first.is_visible()
    save_screenshot(page, "test_learn_after_three_epochs")
    draw_an_x(page)
    page.get_by_text("Kernel 1, pooled").wait_for(timeout=60_000)
    wait_for_idle(page)
    chances = page.get_by_test_id("stProgress").all_inner_texts()
    assert [text.split(":")[0] for text in chances] == ["X", "O", "line"], chances
    assert page.get_by_role("img", name="Kernel 4's map of your drawing after 2×2 max pooling").count() == 1
    save_screenshot(page, "test_learn_asked_about_a_drawing")
    learned = kernel_numbers(page)[0]
    page.get_by_role("button", name="Use in the playground").first.click()
    page.get_by_text("A kernel the tiny CNN learned by itself").wait_for(timeout=60_000)
    wait_for_idle(page)
    assert "Convolution_and_pooling" in page.url
    shown = page.locator("div.grid").filter(has_text="Kernel 3×3").first.inner_text()
    assert shown.split("\n")[1:] == learned.split("\n")[1:]  # the same nine numbers
    assert_healthy(page)
