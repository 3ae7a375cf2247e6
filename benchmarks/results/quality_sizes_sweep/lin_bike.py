import pickle
import sys

import numpy as np

sys.path.insert(0, "/work/main")
from sklearn.compose import TransformedTargetRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import r2_score
from sklearn.preprocessing import StandardScaler

from benchmarks import common
from benchmarks.bench_quality import CachedRegressor
from benchmarks.datasets import load
from skdistill import DistilledRegressor, make_student

sp = common.make_split(load("bikeshare"), 0)
t = pickle.load(open("/tmp/exp/teachers/bikeshare_0.pkl", "rb"))
w = CachedRegressor(t["teacher"])._setup()
cat = np.flatnonzero(sp.categorical_mask)
h = TransformedTargetRegressor(
    make_student("linear", "regression"), transformer=StandardScaler()
).fit(sp.X_train, sp.y_train)
print("hard", r2_score(sp.y_test, h.predict(sp.X_test)))
for lw in [0.0, 0.25, 0.5, 0.75, 1.0]:
    m = DistilledRegressor(
        FrozenEstimator(w),
        "linear",
        n_synthetic=0.0,
        augment="none",
        label_weight=lw,
        categorical_features=cat,
        random_state=0,
    ).fit(sp.X_train, sp.y_train)
    print(lw, r2_score(sp.y_test, m.predict(sp.X_test)))
