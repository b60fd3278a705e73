"""The home page in a real browser: it renders, explains the pipeline and links to every page."""

from .conftest import assert_healthy, open_page, wait_for_idle


def test_home_page_explains_and_links(page):
    open_page(page)
    assert page.get_by_text("How a convolutional neural network sees").is_visible()
    for step in ("Convolution", "ReLU", "Pooling", "Flatten", "Dense", "Dropout", "Softmax"):
        assert page.get_by_text(step, exact=False).first.is_visible()
    links = page.get_by_test_id("stMain").get_by_test_id("stPageLink-NavLink").all_inner_texts()
    assert sum(link.split("\n")[-1].startswith(("Try", "See")) for link in links) == 8  # one per step
    for card in ("Convolution & pooling", "VGG16 feature maps", "Crystal check", "Kernels that learn"):
        assert any(card in link for link in links), links
    sidebar = page.get_by_test_id("stSidebar").get_by_test_id("stPageLink-NavLink").all_inner_texts()
    assert [link.split()[-1] for link in sidebar] == [
        "Home",
        "pooling",
        "maps",
        "check",
        "learn",
    ]  # titles, not file names
    assert_healthy(page)


def test_home_links_lead_to_the_pages(page):
    open_page(page)
    page.get_by_test_id("stMain").get_by_text("Crystal check", exact=True).click()
    wait_for_idle(page)
    assert page.url.endswith("/Crystal_check")
    assert page.get_by_role("heading", name="💎 Crystal check").is_visible()
    assert_healthy(page)
