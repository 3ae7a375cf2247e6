"""mkdocs hook: run the documentation's examples on one OpenMP/BLAS thread.

The python blocks marked ``exec="on"`` run while the site is built. Their
HistGradientBoosting teachers use OpenMP; on a busy machine many threads spin
against each other and a build that takes a minute takes ten. One thread keeps
the build fast and its timings steady. Readers' code is not affected.
"""

from threadpoolctl import threadpool_limits

_LIMITS = None


def on_startup(command, dirty):
    global _LIMITS
    _LIMITS = threadpool_limits(limits=1)
