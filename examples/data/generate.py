"""Generate the synthetic housing data set used by ``explore.ipynb``.

The data is fake but shaped like a small real-estate export: one row per
sold house, a few numeric features, a neighborhood label and the sale price.
To make cleaning worthwhile, a few percent of ``lot_size`` and ``bathrooms``
values are missing and a handful of rows have an implausible floor area
(data-entry errors such as ``sqft`` typed in square metres or with a digit
dropped).

The random generator is seeded and every float is rounded, so running the
script twice writes byte-identical files.

Usage::

    python generate.py        # writes houses.csv next to this script
"""

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 7
N_ROWS = 600
OUT_PATH = Path(__file__).parent / "houses.csv"

# Neighborhood -> (share of sales, price per square foot in dollars)
NEIGHBORHOODS = {
    "Downtown": (0.20, 310.0),
    "Riverside": (0.25, 245.0),
    "Hillcrest": (0.15, 280.0),
    "Oakwood": (0.25, 200.0),
    "Eastgate": (0.15, 165.0),
}


def make_houses(rng: np.random.Generator, n: int = N_ROWS) -> pd.DataFrame:
    """Return ``n`` synthetic house sales as a DataFrame."""
    names = list(NEIGHBORHOODS)
    shares = np.array([NEIGHBORHOODS[k][0] for k in names])
    rate = np.array([NEIGHBORHOODS[k][1] for k in names])

    hood_idx = rng.choice(len(names), size=n, p=shares)
    sqft = np.clip(rng.lognormal(mean=np.log(1750), sigma=0.32, size=n), 550, 5200)
    sqft = np.round(sqft / 10) * 10

    # Bigger houses tend to have more bedrooms and bathrooms.
    bedrooms = np.clip(np.round(sqft / 650 + rng.normal(0, 0.7, n)), 1, 6)
    bathrooms = np.clip(np.round((bedrooms * 0.6 + rng.normal(0.3, 0.5, n)) * 2) / 2, 1, 4.5)

    year_built = rng.integers(1925, 2023, size=n)
    lot_size = np.round(np.clip(rng.lognormal(np.log(6500), 0.45, n), 1200, 40000), -1)

    age = 2024 - year_built
    price = (
        rate[hood_idx] * sqft
        + 9_000 * bathrooms
        + 4.0 * lot_size
        - 900 * age
        + 40_000
    )
    price *= rng.lognormal(0.0, 0.10, n)  # multiplicative noise, ~10%
    price = np.round(np.clip(price, 60_000, None), -2)

    df = pd.DataFrame(
        {
            "sqft": sqft.astype(int),
            "bedrooms": bedrooms.astype(int),
            "bathrooms": bathrooms,
            "year_built": year_built,
            "neighborhood": np.array(names)[hood_idx],
            "lot_size": lot_size.astype(int),
            "price": price.astype(int),
        }
    )

    # Missing values: ~4% of lot sizes and ~2% of bathroom counts.
    df["lot_size"] = df["lot_size"].astype("Int64")
    df.loc[rng.random(n) < 0.04, "lot_size"] = pd.NA
    df.loc[rng.random(n) < 0.02, "bathrooms"] = np.nan

    # A handful of data-entry errors: floor areas far too small to be real.
    bad = rng.choice(n, size=6, replace=False)
    df.loc[bad, "sqft"] = rng.integers(15, 290, size=bad.size)

    return df


def main() -> None:
    rng = np.random.default_rng(SEED)
    df = make_houses(rng)
    df.to_csv(OUT_PATH, index=False, lineterminator="\n")
    print(f"wrote {len(df)} rows to {OUT_PATH}")


if __name__ == "__main__":
    main()
