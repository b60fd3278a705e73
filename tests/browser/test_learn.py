"""The kernel-learning page in a real browser: train, watch the kernels change, send one to the playground."""

from .conftest import assert_healthy, open_page, save_screenshot, wait_for_idle


def kernel_numbers(page) -> list[str]:
    return page.locator("div.grid").filter(has_text="Kernel ").all_inner_texts()


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
    learned = kernel_numbers(page)[0]
    page.get_by_role("button", name="Use in the playground").first.click()
    page.get_by_text("A kernel the tiny CNN learned by itself").wait_for(timeout=60_000)
    wait_for_idle(page)
    assert "Convolution_and_pooling" in page.url
    shown = page.locator("div.grid").filter(has_text="Kernel 3×3").first.inner_text()
    assert shown.split("\n")[1:] == learned.split("\n")[1:]  # the same nine numbers
    assert_healthy(page)
