"""The convolution & pooling page, driven headless through Streamlit's AppTest."""

import base64
import io
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from .conftest import app_page

PAGE = "pages/1_Convolution_and_pooling.py"
CLASSIC_CELLS = "conv_image_cells_Classic 5×5 picture"


def no_padding(at: AppTest) -> None:
    """The classic explanation's setting: no zero padding (the page pads by 1, as VGG16 does)."""
    at.session_state["conv_padding"] = 0


def run(setup=no_padding) -> AppTest:
    at = app_page(PAGE, timeout=60)
    setup(at)
    return at.run()


class Grid(HTMLParser):
    """One heatmap as the browser receives it: its title, each cell's text and style, and which
    cells the orange window frames (class ``in-window``)."""

    def __init__(self, markup: str):
        super().__init__()
        self.title, self.cells, self.styles, self.framed, self._in = "", [], [], set(), None
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self.cells.append([])
            self.styles.append([])
        elif tag == "td":
            if attrs.get("class") == "in-window":
                self.framed.add((len(self.cells) - 1, len(self.cells[-1])))
            self.cells[-1].append("")
            self.styles[-1].append(attrs.get("style", ""))
        self._in = tag

    def handle_data(self, data):
        if self._in == "td":
            self.cells[-1][-1] += data
        elif self._in == "div" and not self.cells:
            self.title += data

    def handle_endtag(self, tag):
        self._in = None


def grids(at: AppTest) -> dict[str, Grid]:
    """Each heatmap's title (its first word) -> the heatmap."""
    parsed = [Grid(element.value) for element in at.html]
    return {grid.title.split(" ")[0]: grid for grid in parsed if grid.title}


def charts(at: AppTest) -> dict[str, list[list[str]]]:
    """Each heatmap's title (its first word) -> the numbers written in its cells."""
    return {title: [row for row in grid.cells if row] for title, grid in grids(at).items()}


def code_blocks(at: AppTest) -> list[str]:
    return [block.value for block in at.code]


def edit(rows: dict) -> dict:
    """The edit state st.data_editor keeps: {row position: {column name: new text}}."""
    return {"edited_rows": rows, "added_rows": [], "deleted_rows": []}


@pytest.fixture(scope="module")
def default_page():
    """One page in its default state, shared by the tests below in file order (the first reads it untouched)."""
    return run()


def test_classic_preset_shows_the_published_feature_map(default_page):
    at = default_page
    assert not at.exception and not at.error
    assert charts(at)["Output"] == [["4", "3", "4"], ["2", "4", "3"], ["2", "3", "4"]]
    assert "rows:    (5 + 2·0 − 3) / 1 + 1 = 3" in code_blocks(at)[0]


def test_first_step_highlights_the_first_window_and_writes_out_its_sum(default_page):
    at = default_page
    at.slider(key="conv_walk_step_of_9").set_value(1).run()
    assert charts(at)["Output"] == [["4", "", ""], ["", "", ""], ["", "", ""]]
    assert "1×1 + 1×0 + 1×1 + 0×0 + 1×1 + 1×0 + 0×1 + 0×0 + 1×1 = 4" in code_blocks(at)
    assert grids(at)["Input"].framed == {(r, c) for r in range(3) for c in range(3)}


def test_play_walks_from_the_start_one_step_per_tick(default_page):
    at = default_page
    at.slider(key="conv_walk_step_of_9").set_value(9).run()
    at.button(key="conv_walk_play").click().run()
    assert at.slider(key="conv_walk_step_of_9").value == 1  # Play at the end starts over
    at.run()  # what the fragment's timer does
    assert at.slider(key="conv_walk_step_of_9").value == 2
    at.button(key="conv_walk_pause").click().run()
    at.run()
    assert at.slider(key="conv_walk_step_of_9").value == 2
    assert not at.exception


def test_classic_max_pooling_example():
    at = run()
    at.radio(key="conv_pool_input").set_value("Classic 4×4 pooling example").run()
    assert charts(at)["Pooled"] == [["6", "8"], ["3", "4"]]
    at.slider(key="pool_walk_step_of_4").set_value(1).run()
    assert "max(1, 1, 5, 6) = 6" in code_blocks(at)
    assert charts(at)["Pooled"] == [["6", ""], ["", ""]]
    at.radio(key="conv_pool_mode").set_value("avg").run()
    assert charts(at)["Pooled"][0][0] == "3.25"


def test_blank_and_text_cells_are_named_in_an_error():
    at = run(
        lambda at: at.session_state.__setitem__(CLASSIC_CELLS, edit({1: {"2": "x"}, 3: {"4": None}})) or no_padding(at)
    )
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "row 2, column 2 holds 'x'" in message and "row 4, column 4 is blank" in message
    assert not grids(at)


def test_an_edited_cell_changes_the_output_and_relu_clears_the_negative():
    at = run(lambda at: at.session_state.__setitem__(CLASSIC_CELLS, edit({0: {"1": "−5"}})) or no_padding(at))
    assert not at.exception and not at.error
    shown = charts(at)
    assert shown["Output"][0] == ["−2", "3", "4"]  # 4 − 1·1 + (−5)·1
    assert shown["After"][0] == ["0", "3", "4"]
    assert any("**1** negative cell became 0" in m.value for m in at.markdown)


def test_kernel_larger_than_the_padded_input_gets_a_message_then_padding_fixes_it():
    at = run()
    at.selectbox(key="conv_kernel").set_value("Your own (any size)").run()
    at.slider(key="conv_kernel_size").set_value(7).run()
    assert not at.exception
    assert "7×7 kernel is larger than the 5×5 input" in at.error[0].value
    at.number_input(key="conv_padding").set_value(1).run()
    assert charts(at)["Output"] == [["1"]]  # the identity kernel picks the centre cell
    assert [e.value for e in at.error] == [  # only pooling is left with nothing to pool
        "The 2×2 pooling window is larger than the 1×1 grid it should pool. "
        "Make the pooling window smaller, or give pooling a bigger grid."
    ]


def test_stride_cannot_go_below_one_and_a_bigger_stride_shrinks_the_output():
    at = run()
    stride = at.number_input(key="conv_stride")
    assert stride.min == 1 and at.number_input(key="conv_pool_stride").min == 1
    stride.decrement().run()
    assert at.number_input(key="conv_stride").value == 1
    at.number_input(key="conv_stride").set_value(2).run()
    assert charts(at)["Output"] == [["4", "4"], ["2", "4"]]
    assert "(5 + 2·0 − 3) / 2 + 1 = 2" in code_blocks(at)[0]


def test_pooling_window_larger_than_the_feature_map_gets_a_message_but_keeps_the_convolution():
    at = run()
    at.number_input(key="conv_pool_size").set_value(4).run()
    assert not at.exception
    assert "4×4 pooling window is larger than the 3×3 grid" in at.error[0].value
    assert "Output" in charts(at)


def test_a_28_by_28_typed_grid_and_a_sobel_kernel_run_through():
    at = run()
    at.radio(key="conv_source").set_value("Type your own").run()
    at.number_input(key="conv_rows").set_value(28).run()
    at.number_input(key="conv_cols").set_value(28).run()
    at.selectbox(key="conv_kernel").set_value("Vertical edge (Sobel)").run()
    assert not at.exception and not at.error
    output = np.array(charts(at)["Output"])
    assert output.shape == (26, 26) and (output == "0").all()


def test_random_preset_draws_new_numbers_on_request():
    at = run()
    at.selectbox(key="conv_image_preset").set_value("Random numbers").run()
    first = charts(at)["Input"]
    at.button(key="conv_random_new").click().run()
    assert charts(at)["Input"] != first and np.array(first).shape == (6, 6)
    assert not at.exception


def test_draw_source_asks_for_a_drawing_first():
    at = run()
    at.radio(key="conv_source").set_value("Draw").run()
    assert not at.exception
    assert "Draw something" in at.info[0].value
    assert not grids(at)


def test_signed_kernels_get_a_diverging_scale_centred_on_zero():
    at = run(lambda at: at.session_state.__setitem__("conv_kernel", "Vertical edge (Sobel)") or no_padding(at))
    kernel, picture = grids(at)["Kernel"], grids(at)["Input"]
    assert min(background(kernel.styles[0][1])) > 240  # 0 is white, between plotly RdBu's red -2 and blue 2
    assert background(kernel.styles[1][0]) == (0x67, 0x00, 0x1F) and background(kernel.styles[1][2]) == (
        0x05,
        0x30,
        0x61,
    )
    # 0..1 ink keeps the one-sided scale, plotly's Blues: ink (row 1, column 1) darkest, paper (column 4) lightest
    assert background(picture.styles[0][0]) == (0x08, 0x30, 0x6B) and background(picture.styles[0][3]) == (
        0xF7,
        0xFB,
        0xFF,
    )


def background(style: str) -> tuple[int, int, int]:
    colour = style.split("background:#")[1][:6]
    return int(colour[:2], 16), int(colour[2:4], 16), int(colour[4:], 16)


def canvas_state(rgba: np.ndarray) -> dict:
    """What the drawing component reports after a stroke: the canvas as a PNG data URL."""
    png = io.BytesIO()
    Image.fromarray(rgba).save(png, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    return {"drawing": {"raw": {"objects": []}, "data": url}, "backgroundFit": None}


def test_a_drawing_becomes_a_grid_of_ink_shares():
    drawing = np.zeros((280, 280, 4), dtype=np.uint8)
    drawing[:140, :, 3] = 255  # the top half painted black
    at = run(lambda at: at.session_state.__setitem__("conv_source", "Draw") or no_padding(at))
    at.session_state["conv_canvas"] = canvas_state(drawing)
    at.slider(key="conv_grid").set_value(28).run()
    assert not at.exception and not at.info
    picture = np.array(charts(at)["Input"])
    assert picture.shape == (28, 28)
    assert (picture[:14] == "1").all() and (picture[14:] == "0").all()
    assert charts(at)["Output"][12][0] == "3"  # the X kernel's window straddles the edge: two rows of ink


def opened_with(params: dict[str, str]) -> AppTest:
    """The page as a shared link with ``params`` opens it."""
    at = app_page(PAGE, timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def test_a_set_up_page_reopens_the_same_from_its_address():
    at = run()
    at.selectbox(key="conv_kernel").set_value("Vertical edge (Sobel)").run()
    at.session_state[CLASSIC_CELLS] = edit({0: {"1": "7"}})  # a typed cell in the picture
    at.run()
    at.number_input(key="conv_stride").set_value(2).run()
    at.radio(key="conv_pool_mode").set_value("avg").run()
    at.toggle(key="dropout_training").set_value(True).run()
    at.slider(key="conv_walk_step_of_4").set_value(3).run()
    shared = dict(at.query_params)
    assert shared["kernel"] == "Vertical edge (Sobel)" and shared["stride"] == "2" and shared["pooling"] == "avg"
    assert shared["cells"].startswith("71100_") and shared["step"] == "3" and shared["padding"] == "0"

    again = opened_with(shared)
    assert not again.exception and not again.info  # no notice: every setting was read
    assert charts(again) == charts(at)  # the same grids, numbers and windows, step 3 included
    assert code_blocks(again) == code_blocks(at)
    assert again.radio(key="conv_source").value == "Type your own"  # typed cells travel as a typed picture


@pytest.mark.parametrize(
    "params",
    [
        {"preset": "No such picture"},
        {"cells": "1~2_" * 5000},  # a grid of 10,000 cells
        {"stride": "two"},
        {"padding": "-3"},
        {"kcells": "1~2_3~4~5"},  # not square, not even a grid
        {"cells": "x" * 100_000},
        {"nonsense": "1"},
    ],
    ids=["unknown preset", "10,000 cells", "text for a number", "out of range", "not a kernel", "100 KB", "unknown"],
)
def test_a_bad_address_opens_the_default_page_with_one_notice(params):
    at = opened_with(params)
    assert not at.exception and not at.error
    notices = [i.value for i in at.info if "could not be used" in i.value]
    assert len(notices) == 1 and list(params)[0] in notices[0]
    assert charts(at)["Output"] == charts(run(lambda at: None))["Output"]  # the default state


def test_the_qr_code_of_a_typed_8x8_picture_and_kernel_is_small_enough_to_scan_across_a_room():
    from ui.share import link, qr_version
    from ui.site import PLAYGROUND

    rng = np.random.default_rng(0)
    params = {
        "picture": "Type your own",
        "cells": "_".join("".join(map(str, row)) for row in rng.integers(0, 10, (8, 8))),
        "kcells": "-1~0~1_-2~0~2_-1~0~1",
        "stride": "2",
        "pooling": "avg",
        "step": "9",
    }
    url = link(PLAYGROUND, params, base="http://192.168.100.200:8501/")
    assert qr_version(url) <= 10, (qr_version(url), len(url))


def test_every_editable_grid_shows_a_cleared_cell_blank_and_has_a_name(default_page):
    """Streamlit writes a missing value as "None" unless told otherwise; a class typing live sees
    a blank cell as blank. A screen reader hears which table it is in."""
    editors = default_page.get("data_editor")
    assert len(editors) >= 3  # the picture, the kernel and the dense weights
    for editor in editors:
        assert editor.proto.HasField("placeholder") and editor.proto.placeholder == ""
        assert editor.proto.alt.endswith(": an editable table of numbers"), editor.proto.alt
