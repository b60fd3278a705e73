"""A client that speaks Streamlit's own protocol, as a browser tab does, for the load benchmark.

A browser tab holds one websocket to ``/_stcore/stream``. It sends ``BackMsg`` protobufs (run the
page with these widget values; give me upload URLs for these files) and reads ``ForwardMsg``
protobufs back: ``new_session`` when a run starts, one ``delta`` per element drawn (widgets carry
their id, ``$$ID-<hash>-<key>``, and the fragment they live in), and ``script_finished`` when the
run is over. This module does the same without drawing anything, so one process holds dozens of
sessions for a few percent of a core::

    client = StreamlitClient.connect("http://127.0.0.1:8501")
    run = client.open("Convolution_and_pooling")  # the page's first run
    run = client.set("conv_padding", 2)           # a change: only its fragment reruns
    run.texts(), run.seconds                      # what came back, and when the last of it did

What it does like the browser: a widget inside an ``st.fragment`` reruns only that fragment; every
widget value it has set is sent again with each request; large elements it already holds are only
referred to by their hash (the browser's message cache); pictures (``st.image``) are fetched from
the server's media URLs; an upload asks for URLs, PUTs the file there (with the double-submit XSRF
token the browser sends) and reruns with the uploader's new state. What it leaves out: rendering,
and the ``context_info`` a browser reports (time zone, locale), which this app does not read.

:class:`Page` is the protocol without any I/O (requests out, messages in); :class:`StreamlitClient`
runs it over a blocking websocket (``websocket-client``), which Locust's gevent makes cooperative:
:mod:`bench.load` runs one per Locust user.
"""

from __future__ import annotations

import os
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlparse

import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import FileUploaderState
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
FINISHED = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
CACHED_RUNS = 2
"""Runs a cached message is kept after it was last used, as the browser's own cache does."""
TEXT_FIELDS = {"heading": "body", "markdown": "body", "alert": "body", "html": "body", "code": "code_text"}


def is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine: the only servers the load benchmark may send traffic to.

    >>> is_loopback("http://127.0.0.1:8501"), is_loopback("http://localhost"), is_loopback("http://10.0.0.2:8501")
    (True, True, False)
    """
    return urlparse(url).hostname in LOOPBACK_HOSTS


def user_key(widget_id: str) -> str:
    """The ``key=`` a page gave a widget, from the id Streamlit builds for it.

    >>> user_key("$$ID-d8a71cd5d98e1f6be698152a14be5c20-conv_padding")
    'conv_padding'
    """
    return widget_id.split("-", 2)[2]


@dataclass
class Widget:
    """A widget as the last run drew it."""

    id: str
    kind: str  # the element's type: "number_input", "slider", "radio", "file_uploader", ...
    fragment_id: str  # "" outside any fragment
    element: Element


@dataclass
class Run:
    """What came back for one request, from sending it until the script finished."""

    sent: float  # time.perf_counter() when the request went out
    messages: list[ForwardMsg] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)
    status: int | None = None  # the script_finished status; None while running

    @property
    def seconds(self) -> float:
        """From the request to its last message back (the script's end)."""
        return (self.arrivals[-1] if self.arrivals else self.sent) - self.sent

    def elements(self, kind: str | None = None) -> Iterator[tuple[float, Element]]:
        """(arrival time, element) of every element drawn in this run, of ``kind`` if given."""
        for arrival, msg in zip(self.arrivals, self.messages):
            if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                if kind is None or element.WhichOneof("type") == kind:
                    yield arrival, element

    def texts(self) -> list[str]:
        """The text of every heading, markdown, alert, HTML block and code block drawn, and every
        picture's caption, in the order they came."""
        texts = []
        for _, element in self.elements():
            kind = element.WhichOneof("type")
            if kind in TEXT_FIELDS:
                texts.append(getattr(getattr(element, kind), TEXT_FIELDS[kind]))
            elif kind == "imgs":
                texts.extend(image.caption for image in element.imgs.imgs)
        return texts

    def errors(self) -> list[str]:
        """The exceptions the page showed in this run."""
        return [f"{e.exception.type}: {e.exception.message}" for _, e in self.elements("exception")]

    def media_urls(self) -> list[str]:
        """The server paths of the pictures this run drew (a browser fetches each)."""
        return [image.url for _, element in self.elements("imgs") for image in element.imgs.imgs if image.url]


class Page:
    """One browser tab's side of the protocol, without I/O: :meth:`request` builds the next
    ``BackMsg``, :meth:`receive` takes each ``ForwardMsg`` as it comes."""

    def __init__(self) -> None:
        self.session_id = ""
        self.page_name = ""
        self.page_script_hash = ""
        self.widgets: dict[str, Widget] = {}  # by user key
        self._values: dict[str, WidgetState] = {}  # by widget id: what this tab has set
        self._cache: dict[str, tuple[ForwardMsg, int]] = {}  # hash -> (message, the run it was last used in)
        self._runs = 0

    def rerun(self, page_name: str | None = None, fragment_id: str = "") -> bytes:
        """Run the page (or only ``fragment_id``) with every widget value this tab has set."""
        if page_name is not None:  # a new page: its widgets are yet to come
            self.page_name, self.page_script_hash = page_name, ""
            self.widgets, self._values = {}, {}
        msg = BackMsg()
        state = msg.rerun_script
        state.page_name, state.page_script_hash, state.fragment_id = self.page_name, self.page_script_hash, fragment_id
        state.widget_states.widgets.extend(self._values.values())
        state.cached_message_hashes.extend(self._cache)
        self._runs += 1
        return msg.SerializeToString()

    def set(self, key: str, value) -> bytes:
        """Give the widget with ``key`` a new value and rerun, as the browser does after a change:
        the widget's fragment alone when it lives in one."""
        widget = self.widgets[key]
        state = WidgetState(id=widget.id)
        if widget.kind == "number_input":
            state.double_value = value
        elif widget.kind == "slider" and widget.element.slider.type == widget.element.slider.SELECT_SLIDER:
            state.string_array_value.data.append(str(value))
        elif widget.kind == "slider":
            state.double_array_value.data.append(value)
        elif widget.kind in ("button_group", "multiselect"):  # st.segmented_control, st.pills, st.multiselect
            state.string_array_value.data.extend(value if isinstance(value, list) else [str(value)])
        elif widget.kind in ("radio", "selectbox"):
            state.string_value = str(value)
        elif widget.kind == "checkbox":
            state.bool_value = bool(value)
        elif widget.kind == "file_uploader":
            state.file_uploader_state_value.CopyFrom(value)
        else:
            raise ValueError(f"{key}: setting a {widget.kind} is not supported")
        self._values[widget.id] = state
        return self.rerun(fragment_id=widget.fragment_id)

    def file_urls_request(self, key: str, names: list[str]) -> bytes:
        """(request id, message) asking the server where to upload ``names`` for the uploader ``key``."""
        msg = BackMsg()
        msg.file_urls_request.request_id = uuid.uuid4().hex
        msg.file_urls_request.session_id = self.session_id
        msg.file_urls_request.file_names.extend(names)
        return msg.SerializeToString()

    def receive(self, data: bytes) -> ForwardMsg:
        """Take one message from the server: note the session, the widgets drawn and the messages
        worth caching, and put cached messages in place of references to them."""
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached, _ = self._cache[msg.ref_hash]
            full = ForwardMsg()
            full.CopyFrom(cached)
            full.metadata.CopyFrom(msg.metadata)
            msg, kind = full, full.WhichOneof("type")
        if msg.metadata.cacheable or msg.hash in self._cache:
            self._cache[msg.hash] = (msg, self._runs)
        if kind == "new_session":
            self.session_id = msg.new_session.initialize.session_id or self.session_id
        elif kind == "navigation":  # the page this run shows, by the hash later requests name it with
            self.page_script_hash = msg.navigation.page_script_hash
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            widget_id = getattr(getattr(element, element.WhichOneof("type")), "id", "")
            if isinstance(widget_id, str) and widget_id.startswith("$$ID-"):
                self.widgets[user_key(widget_id)] = Widget(
                    widget_id, element.WhichOneof("type"), msg.delta.fragment_id, element
                )
        elif kind == "script_finished" and msg.script_finished in FINISHED:
            self._cache = {h: (m, n) for h, (m, n) in self._cache.items() if n >= self._runs - CACHED_RUNS}
        return msg


def xsrf_token() -> str:
    """A token in Streamlit's format (``2|mask|masked token|time``), sent both as the XSRF cookie
    and in the ``X-Xsrftoken`` header of uploads, as the browser does with the one it was given:
    the server only checks that the two hold the same token."""
    return f"2|00000000|{os.urandom(16).hex()}|{int(time.time())}"


class StreamlitClient:
    """One simulated browser tab on a Streamlit server. Its calls block; under Locust, which patches
    the standard library with gevent, each blocks only its own user."""

    def __init__(self, base_url: str, connection: websocket.WebSocket, timeout: float):
        self.base_url, self.timeout = base_url.rstrip("/"), timeout
        self.page = Page()
        self._connection = connection
        self._xsrf = xsrf_token()
        self._fetched: set[str] = set()

    @classmethod
    def connect(cls, base_url: str, timeout: float = 600) -> StreamlitClient:
        """A new session on the server at ``base_url`` (loopback only). ``timeout``: the longest
        any one request may take, in seconds."""
        if not is_loopback(base_url):
            raise ValueError(f"{base_url}: the load client talks to servers on this machine only")
        stream = "ws" + base_url.rstrip("/").removeprefix("http") + "/_stcore/stream"
        return cls(base_url, websocket.create_connection(stream, subprotocols=["streamlit"], timeout=timeout), timeout)

    def close(self) -> None:
        self._connection.close()

    def open(self, page_name: str) -> Run:
        """Open a page by its URL path (``Convolution_and_pooling``) and wait for its first run."""
        return self._run(self.page.rerun(page_name=page_name))

    def set(self, key: str, value) -> Run:
        """Change a widget by its key and wait for the (fragment's) rerun to finish."""
        return self._run(self.page.set(key, value))

    def upload(self, key: str, name: str, data: bytes, mime: str) -> Run:
        """Put one file into the uploader ``key`` (replacing what it held) and wait for the rerun,
        as choosing a file in the browser does. The request's time starts with the upload."""
        sent = time.perf_counter()
        request = self.page.file_urls_request(key, [name])
        self._connection.send_binary(request)
        reply = self._until(lambda msg: msg.WhichOneof("type") == "file_urls_response", Run(sent))
        urls = reply.file_urls_response.file_urls[0]
        self._put(urls.upload_url, name, data, mime)
        state = FileUploaderState()
        state.uploaded_file_info.add(file_id=urls.file_id, name=name, size=len(data)).file_urls.CopyFrom(urls)
        run = self._run(self.page.set(key, state))
        run.sent = sent
        return run

    def fetch_media(self, run: Run) -> int:
        """Fetch the pictures ``run`` drew that this tab has not fetched yet, as a browser shows
        them; returns how many bytes came."""
        fresh = [url for url in run.media_urls() if url not in self._fetched]
        self._fetched.update(fresh)
        return sum(self._get(url) for url in fresh)

    def _run(self, request: bytes) -> Run:
        run = Run(time.perf_counter())
        self._connection.send_binary(request)
        self._until(lambda msg: msg.WhichOneof("type") == "script_finished" and msg.script_finished in FINISHED, run)
        return run

    def _until(self, done: Callable[[ForwardMsg], bool], run: Run) -> ForwardMsg:
        """Read messages into ``run`` until one for which ``done`` is true; fail after the timeout
        or on a run that ended in a compile error or a missing page."""
        deadline = run.sent + self.timeout
        while True:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{self.page.page_name}: no answer within {self.timeout:.0f} s")
            msg = self.page.receive(self._connection.recv())
            run.messages.append(msg)
            run.arrivals.append(time.perf_counter())
            kind = msg.WhichOneof("type")
            if kind == "script_finished":
                run.status = msg.script_finished
                if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise RuntimeError(f"{self.page.page_name}: the page did not compile")
            elif kind == "page_not_found":
                raise RuntimeError(f"{self.page.page_name}: no such page")
            if done(msg):
                return msg

    def _put(self, path: str, name: str, data: bytes, mime: str) -> None:
        boundary = uuid.uuid4().hex
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: {mime}\r\n\r\n".encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(
            self.base_url + path,
            data=body,
            method="PUT",
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "X-Xsrftoken": self._xsrf,
                "Cookie": f"_streamlit_xsrf={self._xsrf}",
            },
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            if response.status != 204:
                raise RuntimeError(f"upload of {name}: HTTP {response.status}")

    def _get(self, path: str) -> int:
        with urllib.request.urlopen(self.base_url + path, timeout=self.timeout) as response:
            return len(response.read())
