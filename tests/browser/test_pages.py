"""Each page in a real browser, used the way a visitor uses it: type, pick, step, upload.

Expected numbers are worked out by hand from the classic 5×5 picture and X kernel (see the
comments), and verdicts come from the data set's labels, never from the app's own code.
"""

import csv
import io
import re

import pytest

from crystal.vision.samples import labelled_drops

from ..bad_inputs import bad_uploads
from .actions import (
    choose,
    edit_cell,
    equations,
    errors,
    pick_radio,
    press_on_slider,
    set_number,
    upload,
    verdicts,
    wait_for_verdict,
)
from .conftest import assert_healthy, open_page, save_screenshot, wait_for_idle


def test_convolution_edit_a_cell_change_the_kernel_and_step(page):
    open_page(page, "Convolution_and_pooling")
    set_number(page, "Zero padding", 0)  # the classic explanation's setting
    # The walk-through starts at the last window: rows 3-5, columns 3-5 of the classic picture,
    # 1 1 1 / 1 1 0 / 1 0 0 under the X kernel 1 0 1 / 0 1 0 / 1 0 1, which sums to 1+1+1+1+0 = 4.
    assert equations(page)[0].endswith("= 4")

    edit_cell(page, 0, shape=(5, 5), cell=(5, 5), text="5")  # under the kernel's corner weight 1
    assert equations(page)[0].endswith("= 9")
    # A padding change reruns the steps alone, with the edited picture: padded by 1, the last window
    # is rows 4-6, columns 4-6 = 1 0 0 / 0 5 0 / 0 0 0 (the zeros of the padding), so 1 + 5 = 6.
    set_number(page, "Zero padding", 1)
    assert page.get_by_text("Output 5×5", exact=True).first.is_visible()
    assert equations(page)[0].endswith("= 6")
    set_number(page, "Zero padding", 0)

    choose(page, "Kernel", "Box blur")  # every weight 1/9: the window's sum 1+1+1+1+1+0+1+0+5 = 11, / 9
    assert equations(page)[0].endswith("= 1.222")

    press_on_slider(page, "Convolution step", "Home", "ArrowRight")
    # Step 2: rows 1-3, columns 2-4 = 1 1 0 / 1 1 1 / 0 1 1, sum 7, / 9.
    assert page.get_by_text("Step 2:").is_visible()
    assert equations(page)[0].endswith("= 0.778")
    assert_healthy(page)


def test_playground_a_dense_weight_changes_the_softmax(page):
    open_page(page, "Convolution_and_pooling")
    # defaults: the pooled grid [[4, 4], [2, 4]] flattens to 4 entries; "Likes the X pattern" gives
    # crystal 2 and no crystal -2, so softmax says exp(2) / (exp(2) + exp(-2)) = 98.2 %
    assert "crystal: 7.389 / 7.524 = 98.2 %" in softmax_lines(page)
    # entry 1's weight for no crystal 0.5 instead of -0.5: no crystal scores -2 + 4 = 2, a tie
    edit_cell(page, 2, shape=(5, 2), cell=(1, 2), text="0.5", cell_width=80)
    assert "crystal: 7.389 / 14.778 = 50.0 %" in softmax_lines(page)
    assert_healthy(page)


def softmax_lines(page) -> str:
    return page.get_by_test_id("stCode").filter(has_text="exp(").inner_text()


def test_convolution_text_in_a_cell_is_named_the_steps_keep_the_last_good_kernel_and_it_can_be_fixed(page):
    open_page(page, "Convolution_and_pooling")
    set_number(page, "Zero padding", 0)
    last_good = equations(page)
    edit_cell(page, 1, shape=(3, 3), cell=(2, 2), text="abc")
    assert "abc" in errors(page) and "kernel" in errors(page).lower() and "last good kernel" in errors(page)
    assert equations(page) == last_good  # a class typing live keeps its steps on screen
    edit_cell(page, 1, shape=(3, 3), cell=(2, 2), text="1")
    assert errors(page) == ""
    assert equations(page)[0].endswith("= 4")
    assert_healthy(page)


def test_feature_maps_choose_a_sample_and_a_layer(page):
    open_page(page, "Feature_maps")
    choose(page, "Sample image", "Cat (Chelsea)")
    assert page.get_by_text("Cat (Chelsea):", exact=False).first.is_visible()

    press_on_slider(page, "Layer", "End")  # the deepest layer, block5_pool: 224 / 2**5 = 7, and 512 filters
    metrics = dict(
        zip(
            page.get_by_test_id("stMetricLabel").all_inner_texts(),
            page.get_by_test_id("stMetricValue").all_inner_texts(),
        )
    )
    assert metrics["Output"] == "7×7×512"
    assert metrics["Weights (parameters)"] == "0"  # pooling learns nothing
    assert page.get_by_text("of 512 feature maps of block5_pool", exact=False).is_visible()
    assert_healthy(page)


def test_feature_maps_a_link_opens_the_page_as_shared_and_the_address_follows_every_change(page):
    open_page(page, "Feature_maps?layer=block3_conv3&channel=12")
    assert "block3_conv3" in page.get_by_test_id("stSlider").filter(has_text="Layer").inner_text()
    assert page.get_by_role("combobox", name="Feature map").input_value().startswith("#12 (")
    press_on_slider(page, "Layer", "ArrowRight")  # only the layer's part of the page reruns
    assert page.url == f"{page.app_url}/Feature_maps?layer=block3_pool"  # a new layer opens on its strongest map
    page.get_by_text("Share with the class").first.click()
    assert page.get_by_test_id("stCode").filter(has_text="Feature_maps").inner_text().strip() == page.url
    page.keyboard.press("Escape")

    open_page(page, "Feature_maps?layer=x&channel=abc")
    assert page.get_by_text("Some settings in this link could not be used", exact=False).is_visible()
    assert "block1_conv2" in page.get_by_test_id("stSlider").filter(has_text="Layer").inner_text()
    assert page.url == f"{page.app_url}/Feature_maps"
    assert_healthy(page)


@pytest.mark.parametrize("drop", labelled_drops()[::5], ids=lambda drop: f"{drop.label}-{drop.path.stem[-20:]}")
def test_crystal_check_upload_a_drop_and_a_corrupt_file(page, drop):
    open_page(page, "Crystal_check")
    pick_radio(page, "Image source", "Upload")
    upload(page, [(drop.path.name, drop.path.read_bytes()), ("notes.jpg", b"not a picture at all" * 40)])
    assert "notes.jpg is not an image" in errors(page)
    expected = "💎 Crystal" if drop.label == "crystal" else "🫧 No crystal"  # an image the model learned from
    assert [v.strip().rstrip("?") for v in verdicts(page)] == [expected]  # "?": the model is not sure
    assert page.get_by_text("Chance of crystal:").is_visible()
    assert_healthy(page)


def test_crystal_check_every_bad_upload_refused_and_the_rest_downloadable(page):
    open_page(page, "Crystal_check")
    pick_radio(page, "Image source", "Upload")
    cases = bad_uploads()
    upload(page, [(case.name, case.data) for case in cases])
    shown = errors(page)
    for case in cases:
        assert (case.refusal in shown) if case.refusal else (case.name not in shown), case.name
    with page.expect_download() as download:
        page.get_by_role("button", name="Download results (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert [row["path"] for row in rows] == [case.name for case in cases if case.refusal is None]
    assert all(row["label"] in ("crystal", "no_crystal") and 0 <= float(row["p_crystal"]) <= 1 for row in rows)

    pick_radio(page, "Image source", "Sample image")  # the page still works after all that
    assert len(verdicts(page)) == 1
    assert_healthy(page)


def test_feature_maps_refuse_each_bad_upload_and_show_the_awkward_good_ones(page):
    open_page(page, "Feature_maps")
    pick_radio(page, "Image source", "Upload")
    for case in bad_uploads():  # one after another, as a visitor trying file after file would
        upload(page, [(case.name, case.data)])
        if case.refusal:  # wait for its own refusal: the last one stays on screen until the rerun ends
            page.get_by_test_id("stAlertContentError").filter(has_text=case.name).first.wait_for(timeout=120_000)
            assert case.refusal in errors(page) and case.name in errors(page)
        else:  # its caption shows once the page has rerun for it; the last refusal is gone by then
            page.get_by_text(f"{case.name}:", exact=False).first.wait_for(timeout=120_000)
            wait_for_idle(page)
            assert errors(page) == "", case.name
    assert_healthy(page)


def test_crystal_check_a_top_feature_opens_in_the_feature_map_page(page):
    open_page(page, "Crystal_check")
    wait_for_verdict(page)
    page.get_by_text("How this verdict was added up").click()
    wait_for_idle(page)
    opener = page.get_by_role("button", name=re.compile(r"^Open #\d+$")).first
    channel = opener.inner_text().split("#")[1].strip()
    save_screenshot(page, "test_crystal_check_how_the_verdict_added_up")
    opener.click()
    page.get_by_text("as the crystal model saw it").first.wait_for(timeout=180_000)
    wait_for_idle(page)
    assert "feature_maps" in page.url.lower()
    assert "block4_conv3" in page.get_by_test_id("stSlider").filter(has_text="Layer").inner_text()
    assert page.get_by_role("combobox", name="Feature map").input_value().startswith(f"#{channel} (")
    assert_healthy(page)
