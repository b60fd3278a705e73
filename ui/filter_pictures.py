"""Streamlit-side helpers for "What this filter looks for": pictures made on demand, and those shipped.

A picture of what one VGG16 filter looks for takes seconds on two cores (:mod:`crystal.vision.filters`),
so the feature-map page makes it through the server's heavy-work queue, with a progress bar in the
visitor's status element, and keeps it server-wide by weights source, layer and channel: the next
visitor who enlarges the same channel sees it at once. The memory holds PNGs (about 40 KB each) in
:class:`crystal.memory.Recent` rather than ``st.cache_data``, so that a visitor waiting in the queue
can find, when their turn comes, the picture that the visitor before them just made.

The crystal check's named features use the pictures shipped with the model
(:mod:`crystal.model.filter_pictures`): read from disk, shown at once.
"""

from __future__ import annotations

import streamlit as st

from crystal.memory import Recent
from crystal.model.filter_pictures import shipped_filter_picture
from crystal.vision import filters, render
from ui.feature_maps import extractor
from ui.server import heavy_work

KEPT = 256
"""Pictures kept per server (about 10 MB): every channel that a class enlarges in an afternoon."""
SECONDS_BY_BLOCK = {1: 3, 2: 5, 3: 10, 4: 15, 5: 17}
"""About how long one picture of a layer of each block takes on a 2-core server with nothing else to do,
rounded up: what a button promises. Blocks 1, 3 and 4 from docs/filter-pictures.md (2.7, 10 and 15 s);
blocks 2 and 5 timed once on the same machine (block2_conv2 3.7 s, block5_conv1 and _conv3 16-17 s)."""

CAPTION = (
    "A picture made by the computer to excite this one filter as strongly as it can: not a photo from the data. "
    "It started as faint grey noise and was changed, step by step, in whatever way made this filter respond more. "
    "The patterns that repeat across it (stripes at one angle, a colour, dots, a texture) are what the filter "
    "looks for; where it meets them in a photo, its map lights up. If it stayed plain grey noise, the computer "
    "found nothing that wakes this filter."
)
SHIPPED_CAPTION = (
    "What this feature looks for: a picture made by the computer to excite it as strongly as it can, not a photo "
    "from the data. It is grey because the crystal model looks at photos in grey. The patterns that repeat across "
    "it are what the feature responds to; the more of them a photo has, the more this feature adds to the verdict."
)


def picture_of(source_key: str, layer: str, channel: int, *, status=None) -> bytes:
    """The PNG of what ``channel`` of ``layer`` looks for, in the VGG16 of weights ``source_key``:
    from the server's memory, or made now in the heavy-work queue with a progress bar in ``status``
    (an ``st.empty()``, made on every run as :func:`ui.server.heavy_work.slot` asks)."""
    return pictures_of(source_key, layer, [channel], status=status)[0]


def pictures_of(source_key: str, layer: str, channels: list[int], *, status=None) -> list[bytes]:
    """:func:`picture_of` for several channels of one layer (a row of them), made in one turn of the
    queue, with one progress bar for all of them."""
    status = status if status is not None else st.empty()
    keys = [(source_key, layer, int(channel)) for channel in channels]
    found = {key: memory().get(key) for key in keys}
    if any(png is None for png in found.values()):
        with heavy_work.slot(f"pictures of what {layer}'s filters look for", status):
            found.update({key: memory().get(key) for key, png in found.items() if png is None})  # made meanwhile?
            missing = [key for key, png in found.items() if png is None]
            for done, key in enumerate(missing):
                found[key] = _made(key, _progress_bar(status, layer, done, len(missing)))
                memory().put(key, found[key])
            status.empty()
    return [found[key] for key in keys]


def already_made(source_key: str, layer: str, channel: int) -> bool:
    """Whether :func:`picture_of` would answer at once (a page may show the picture straight away,
    and offer a button otherwise)."""
    return (source_key, layer, int(channel)) in memory()


def seconds_to_make(layer: str, pictures: int = 1) -> int:
    """About how many seconds :func:`pictures_of` takes for ``pictures`` new pictures of ``layer``.

    >>> seconds_to_make("block4_conv3"), seconds_to_make("block1_conv2", pictures=4)
    (15, 12)
    """
    return SECONDS_BY_BLOCK[int(layer[5])] * pictures


def shipped_picture(channel: int) -> bytes | None:
    """The PNG shipped with the crystal model of what feature ``channel`` looks for, or None where the
    shipped head does not weigh that feature among its strongest (no picture was made)."""
    return _shipped(int(channel))


@st.cache_resource
def memory() -> Recent[bytes]:
    """The server's pictures, by (weights source, layer, channel), shared by every visitor."""
    return Recent(KEPT)


@st.cache_data(max_entries=128, show_spinner=False)
def _shipped(channel: int) -> bytes | None:
    return shipped_filter_picture(channel)


def _made(key: tuple[str, str, int], progress) -> bytes:
    source_key, layer, channel = key
    vgg16 = extractor(source_key)
    made = filters.visualise(vgg16.vgg16, layer, channel, source=vgg16.source, progress=progress)
    return render.to_png_bytes(made.picture)


def _progress_bar(status, layer: str, before: int, pictures: int):
    """A ``progress(done, steps)`` that draws picture ``before + 1`` of ``pictures`` as one bar in ``status``."""
    text = _bar_text(layer, before, pictures)
    bar = status.progress(before / pictures, text=text)

    def progress(done: int, steps: int) -> None:
        bar.progress((before + done / steps) / pictures, text=text)

    return progress


def _bar_text(layer: str, before: int, pictures: int) -> str:
    about = f"about {seconds_to_make(layer)} s"
    if pictures == 1:
        return f"Making the picture of what this filter looks for ({about}) ..."
    return f"Making picture {before + 1} of {pictures} of what these filters look for ({about} each) ..."
