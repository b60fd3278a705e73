"""Teaching the crystal check in a real browser: sorted photos in, adapt, the adapted verdicts, the
zip downloaded and uploaded again by another visitor, whose page meanwhile kept the shipped model."""

from crystal.model.store import read_model
from crystal.vision.samples import labelled_drops

from .actions import upload, wait_for_verdict
from .conftest import assert_healthy, open_page, save_screenshot, wait_for_idle, watch

ADAPTED = "This is your adapted model's verdict"


def open_teaching(page) -> None:
    page.get_by_text("Teach it your lab: adapt the model to your own photos").click()
    wait_for_idle(page)


def test_teach_adapt_download_and_continue_in_another_browser(browser, page, tmp_path):
    drops = labelled_drops()
    open_page(page, "Crystal_check")
    wait_for_verdict(page)
    open_teaching(page)
    upload(page, [(drops[1].path.name, drops[1].path.read_bytes())], uploader="Photos you have sorted as crystal")
    upload(
        page, [(d.path.name, d.path.read_bytes()) for d in drops[-2:]], uploader="Photos you have sorted as no crystal"
    )
    page.get_by_text("Your labelled photos: 1 with crystals, 2 without").wait_for(timeout=180_000)

    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()  # a second visitor
    watch(other)
    other.app_url = page.app_url
    open_page(other, "Crystal_check")
    wait_for_verdict(other)

    page.get_by_role("button", name="Adapt to my photos").click()
    page.get_by_text("What adapting changed, on your 3 photos").wait_for(timeout=180_000)
    wait_for_idle(page)
    assert page.get_by_text(ADAPTED).is_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download your adapted model (zip)").click()
    zipped = download.value.path().read_bytes()
    assert read_model(zipped).local.sum() == 3  # the three labelled photos, as features only

    other.reload()
    wait_for_verdict(other)
    assert other.get_by_text(ADAPTED).count() == 0  # the first visitor's model is theirs alone
    open_teaching(other)
    upload(other, [("adapted.zip", zipped)], uploader="Continue from a model")
    other.get_by_text(ADAPTED).wait_for(timeout=180_000)
    assert other.get_by_text("Your labelled photos: 1 with crystals, 2 without").is_visible()
    save_screenshot(other, "test_teach_second_visitor")
    assert_healthy(page)
    assert_healthy(other)
    other.context.close()
