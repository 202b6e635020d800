"""Sphinx configuration of the skfnn documentation."""

import os
import re
import sys

# Document the source tree next to this folder, installed or not, so the
# import of skfnn has to come after this path change.
sys.path.insert(0, os.path.abspath(".."))

import skfnn  # noqa: E402

project = "skfnn"
author = "The skfnn developers"
copyright = "The skfnn developers"
release = skfnn.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}

# Class pages list their methods through autosummary already.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "within_subsection_order": "FileNameSortKey",
    # Timings change on every build; keep them out of the source tree.
    "write_computation_times": False,
}

exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
html_theme = "pydata_sphinx_theme"
html_title = f"skfnn {release}"

# Methods inherited from scikit-learn cross-reference pages of scikit-learn's
# own documentation, which this build does not have: keep their text only.
SKLEARN_ROLE = re.compile(r":(?:ref|term):`([^`<]*?)\s*(?:<[^`>]*>)?`")


def plain_sklearn_references(app, what, name, obj, options, lines):
    """Replace the cross-references of scikit-learn docstrings by their text."""
    if not (getattr(obj, "__module__", None) or "").startswith("sklearn."):
        return
    lines[:] = [SKLEARN_ROLE.sub(r"\1", line) for line in lines]


def setup(app):
    """Register the docstring hook of this configuration."""
    app.connect("autodoc-process-docstring", plain_sklearn_references)
