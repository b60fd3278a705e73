"""What a visitor does on a page (type in a grid, pick, slide, upload) and what they read back.

Every action waits until the app has answered, so a test reads the page as the visitor sees it.
"""

import re
import time

from bench.chromium import pick_radio  # noqa: F401 (the tests' name for it)
from ui.matrix_editor import COLUMN_WIDTH as CELL_WIDTH

from .conftest import wait_for_idle


def edit_cell(
    page, editor: int, shape: tuple[int, int], cell: tuple[int, int], text: str, cell_width: int = CELL_WIDTH
) -> None:
    """Type ``text`` into ``cell`` (row, column; 1-based) of the ``editor``-th st.data_editor.

    The editor is a canvas, so the cell is found from the grid's geometry: ``shape`` rows and
    columns of ``cell_width`` pixels under one header row, an index column on the left. Double-click opens the
    cell's text box; Tab commits, as for a person. A text box that opens away from the aimed-at point means the
    geometry was read too early (e.g. from the loading placeholder), which fails here, not later.
    """
    grid = page.locator('[data-testid="stDataFrame"]').nth(editor)
    grid.scroll_into_view_if_needed()  # a double-click further down would scroll it after its box was read
    box = grid.bounding_box()
    rows, columns = shape
    row_height, index_width = box["height"] / (rows + 1), box["width"] - columns * cell_width
    aim = {"x": index_width + cell_width * (cell[1] - 0.5), "y": row_height * (cell[0] + 0.5)}
    grid.dblclick(position=aim)
    editor = page.locator("#portal textarea")  # the grid opens a text box over the cell
    opened = editor.bounding_box()
    assert opened["x"] <= box["x"] + aim["x"] <= opened["x"] + opened["width"], (
        f"cell {cell}: text box opened elsewhere"
    )
    assert opened["y"] <= box["y"] + aim["y"] <= opened["y"] + opened["height"], (
        f"cell {cell}: text box opened elsewhere"
    )
    editor.fill(text)
    editor.press("Tab")
    wait_for_idle(page)


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label``."""
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_idle(page)


def press_on_slider(page, label: str, *keys: str) -> None:
    """Move the slider labelled ``label`` with the keyboard, as a person would with the arrow keys."""
    thumb = page.get_by_test_id("stSlider").filter(has_text=label).get_by_role("slider")
    thumb.focus()
    for key in keys:
        thumb.press(key)
    wait_for_idle(page)


def set_number(page, label: str, value: int) -> None:
    """Type ``value`` into the number input labelled ``label`` and confirm it with Enter."""
    box = page.get_by_role("spinbutton", name=label)
    box.fill(str(value))
    box.press("Enter")
    wait_for_idle(page)


def upload(page, files: list[tuple[str, bytes]], uploader: str = "Upload") -> None:
    """Drop ``files`` (name, bytes) on the uploader whose label starts with ``uploader`` (the pages'
    own "Upload images" / "Upload an image" by default) and wait until every one is listed under
    it: on a busy server the upload itself can take longer than the quiet spell ``wait_for_idle``
    waits for. Found by its label, not its place: while a rerun draws the page, another uploader
    (the crystal page's teaching ones) may come first."""
    label = page.get_by_test_id("stWidgetLabel").filter(has_text=re.compile("^" + re.escape(uploader)))
    box = page.get_by_test_id("stFileUploader").filter(has=label)
    dropzone = box.get_by_test_id("stFileUploaderDropzoneInput")
    dropzone.wait_for(state="attached", timeout=180_000)  # a server busy with other visitors' checks draws it late
    dropzone.set_input_files(
        [{"name": name, "mimeType": "application/octet-stream", "buffer": data} for name, data in files]
    )
    for name, _ in files:  # long names are shortened on screen; the full one is the chip's title
        box.locator(f'[data-testid="stFileChipName"][title="{name}"]').first.wait_for(timeout=120_000)
    wait_for_idle(page)


def equations(page) -> list[str]:
    """The arithmetic lines of the walk-throughs (code blocks that are not size formulas)."""
    return [text for text in page.get_by_test_id("stCode").all_inner_texts() if "=" in text and "rows:" not in text]


def errors(page) -> str:
    return " ".join(page.get_by_test_id("stAlertContentError").all_inner_texts())


VERDICTS = re.compile(r"^\s*(💎 Crystal\??|🫧 No crystal\??|🤔 The model cannot judge photos like this one well)\s*$")


def verdicts(page) -> list[str]:
    """The verdict headings on the crystal-check page, e.g. ['💎 Crystal']."""
    return [h.strip() for h in page.get_by_role("heading").all_inner_texts() if VERDICTS.match(h)]


QUEUE_STATUS = re.compile(r"Waiting for the server: (\d+) heavy job")


def wait_for_verdict(page, stalled: float = 180) -> list[str]:
    """The verdicts, once the first has appeared. A busy server queues the check (ui/heavy_work.py):
    this waits as long as the queue moves (the number of jobs ahead falls, or the check runs), and
    fails only when nothing has moved for ``stalled`` seconds."""
    heading = page.get_by_role("heading", name=VERDICTS).first
    last, moved = None, time.monotonic()
    while not heading.is_visible():
        status = page.get_by_text(QUEUE_STATUS).all_inner_texts()
        ahead = int(QUEUE_STATUS.search(status[0]).group(1)) if status else 0  # 0: running, or not queued yet
        if ahead != last:
            last, moved = ahead, time.monotonic()
        assert time.monotonic() - moved < stalled, f"the check has not moved for {stalled:.0f} s ({ahead} jobs ahead)"
        page.wait_for_timeout(500)
    wait_for_idle(page)
    return verdicts(page)
