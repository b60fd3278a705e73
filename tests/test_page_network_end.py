"""The playground's last steps, headless with AppTest: flatten, dropout, dense and softmax.

On the page's defaults (the classic picture, the X kernel, zero padding 1, 2×2 max pooling) the
feature map is 5×5 and pools to [[4, 4], [2, 4]]: worked by hand in tests/test_page_convolution.py's
spirit, the first window holds 2, 2, 1, 4 (max 4), the second 3, 1, 3, 4 (4), the third 1, 2, 1, 2
(2), the fourth 4, 3, 3, 4 (4).
"""

from streamlit.testing.v1 import AppTest

from .test_page_convolution import PAGE, app_page, charts, edit, grids


def run() -> AppTest:
    at = app_page(PAGE, timeout=60).run()
    assert not at.exception, at.exception
    return at


def codes(at: AppTest) -> list[str]:
    return [block.value for block in at.code]


DENSE = "dense_cells_Likes the X pattern_2×2_4"


def test_flatten_lays_the_pooled_grid_out_row_by_row_and_names_each_entrys_cell():
    at = run()
    assert charts(at)["Flattened:"] == [["4", "4", "2", "4"]]
    at.slider(key="flatten_entry_of_4").set_value(3).run()
    assert grids(at)["Before"].framed == {(1, 0)} and grids(at)["Flattened:"].framed == {(1, 2)}  # row 2, column 1
    assert any("Entry 3 of the list is row 2, column 1" in c.value for c in at.caption)


def test_dense_writes_out_each_score_and_softmax_turns_them_into_chances():
    at = run()
    # "Likes the X pattern": weights 0.5 / -0.5 per entry, biases -1.25 / +1.25 per entry (4 entries)
    assert "4×0.5 + 4×0.5 + 2×0.5 + 4×0.5 + (−5) = 2" in codes(at)
    assert "4×(−0.5) + 4×(−0.5) + 2×(−0.5) + 4×(−0.5) + 5 = −2" in codes(at)
    softmax = codes(at)[-1]  # exp(2) / (exp(2) + exp(-2)) = 7.389 / 7.524
    assert "crystal: 7.389 / 7.524 = 98.2 %" in softmax and "no crystal: 0.135 / 7.524 = 1.8 %" in softmax
    assert [bar.proto.text for bar in at.get("progress")][-2:] == ["**crystal**: 98.2 %", "**no crystal**: 1.8 %"]


def test_an_edited_weight_changes_the_score_and_a_word_is_named():
    at = run()
    at.session_state[DENSE] = edit({0: {"crystal": "3"}})
    at.run()
    assert "4×3 + 4×0.5 + 2×0.5 + 4×0.5 + (−5) = 12" in codes(at)
    at.session_state[DENSE] = edit({0: {"crystal": "lots"}})
    at.run()
    assert any("row 1, column 1 holds 'lots'" in e.value for e in at.error)


def test_typed_weights_are_kept_when_the_list_grows_and_new_entries_follow_the_preset():
    at = run()
    at.session_state[DENSE] = edit({0: {"crystal": "3"}})
    at.run()
    at.number_input(key="conv_padding").set_value(2).run()  # 7×7 map, pooled 3×3: 9 entries
    assert any("now has 9 entries instead of 4" in i.value for i in at.info)
    crystal = next(c for c in codes(at) if c.startswith("2×3 + "))  # entry 1 (now 2) keeps its typed 3
    assert crystal.count("×0.5") == 8


def test_dropout_while_training_zeroes_the_masked_entries_and_doubles_the_rest():
    at = run()
    at.toggle(key="dropout_training").set_value(True).run()
    shown = grids(at)["While"]
    dropped = ["background:#e6e6e6" in style for style in shown.styles[-1]]
    survivors = [float(text) for text, gone in zip(shown.cells[-1], dropped) if not gone]
    assert 0 < sum(dropped) < 4 and sorted(survivors) == sorted(
        2 * v for v, gone in zip([4, 4, 2, 4], dropped) if not gone
    )
    assert all(text == "0" for text, gone in zip(shown.cells[-1], dropped) if gone)
    at.button(key="dropout_new").click().run()
    assert any("seed 1" in c.value for c in at.caption)
    at.toggle(key="dropout_training").set_value(False).run()
    assert "4×0.5 + 4×0.5 + 2×0.5 + 4×0.5 + (−5) = 2" in codes(at)  # answering: dropout off
