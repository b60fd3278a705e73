"""The home page: the pipeline in plain words, each step linked to where it can be tried."""

from streamlit.testing.v1 import AppTest

from .conftest import ROOT


def test_every_step_links_to_a_page_and_the_crystal_models_layers_are_named():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    pages = {path.stem.split("_", 1)[1] for path in (ROOT / "pages").glob("*.py")}  # URL names, as Streamlit makes them
    tries = [link.proto.page for link in at.get("page_link") if link.proto.label.startswith("Try it")]
    assert len(tries) == 8 and set(tries) <= pages and "Feature_maps" in tries, tries
    text = " ".join(m.value for m in at.markdown)
    assert "block4_conv3" in text and "512 weights and a bias" in text and "finetuned VGG16" in text
