"""mkdocs hook: the benchmark results page, generated from the result files.

* The PNGs live with the results they are drawn from, in
  ``benchmarks/results/plots/`` (``python -m benchmarks.plots`` writes them).
  They are added to the build as ``assets/benchmark-plots/<name>.png``, so no
  second copy is kept in ``docs/``.
* In ``benchmarks.md`` the line ``<!-- benchmark-results -->`` is replaced by
  :func:`benchmarks.plots.docs_markdown`: tables and plots read from the
  committed files of ``benchmarks/results/`` at build time. It is plain
  markdown, so mkdocs checks its links like any other.
"""

import os
import sys

from mkdocs.structure.files import File

MARKER = "<!-- benchmark-results -->"
SOURCE = os.path.join("benchmarks", "results", "plots")
DEST = "assets/benchmark-plots"


def _root(config):
    return os.path.dirname(os.path.abspath(config.docs_dir))


def on_files(files, config):
    folder = os.path.join(_root(config), SOURCE)
    if not os.path.isdir(folder):
        return files
    for name in sorted(os.listdir(folder)):
        if name.endswith(".png"):
            files.append(
                File.generated(
                    config, f"{DEST}/{name}", abs_src_path=os.path.join(folder, name)
                )
            )
    return files


def on_page_markdown(markdown, page, config, files):
    if MARKER not in markdown:
        return markdown
    root = _root(config)
    if root not in sys.path:
        sys.path.insert(0, root)
    from benchmarks.plots import docs_markdown

    depth = page.file.src_uri.count("/")
    return markdown.replace(MARKER, docs_markdown("../" * depth + DEST))
