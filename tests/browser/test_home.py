"""The home page in a real browser: it renders, explains the pipeline and links to every page."""
from .conftest import assert_healthy, wait_for_idle


def test_home_page_explains_and_links(page):
    page.goto(page.app_url)
    wait_for_idle(page)
    assert page.get_by_text("How a convolutional neural network sees").is_visible()
    for step in ("Convolution", "ReLU", "Max pooling", "Flatten", "Dense", "Dropout", "Softmax"):
        assert page.get_by_text(step, exact=False).first.is_visible()
    links = page.locator('[data-testid="stPageLink-NavLink"]')
    assert links.count() == 3
    assert_healthy(page)
