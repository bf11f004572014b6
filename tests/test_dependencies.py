"""Dependencies: imports and `!pip install` targets become PEP 508 requirements."""

from __future__ import annotations

import pytest

from nb2pkg.render.dependencies import (
    Dependencies,
    PipTarget,
    Refused,
    infer_dependencies,
    lower_bound,
    normalise,
)

INSTALLED = {
    "pandas": "2.2.1",
    "numpy": "1.26.4",
    "scikit-learn": "1.4.0",
    "matplotlib": "3.8.2",
    "ipython": "8.20.0",
    "pyyaml": "6.0.1",
    "localtool": "7",
    "nightly": "dev",
    "mylib": "0.3.1",
}
DISTRIBUTIONS = {
    "pandas": ["pandas"],
    "numpy": ["numpy"],
    "sklearn": ["scikit-learn"],
    "matplotlib": ["matplotlib"],
    "mpl_toolkits": ["matplotlib"],
    "pylab": ["matplotlib"],
    "IPython": ["ipython"],
    "yaml": ["PyYAML"],
    "_yaml": ["PyYAML"],
    "localtool": ["localtool"],
    "nightly": ["nightly"],
    "shared": ["zeta-shared", "alpha-shared"],
    "dual": ["Dual", "aaa-dual"],
    "google": ["protobuf"],
}


def infer(imports: list[str], pips: tuple[str, ...] = ()) -> Dependencies:
    return infer_dependencies(imports, pips, installed=INSTALLED, distributions=DISTRIBUTIONS)


@pytest.mark.parametrize(
    "imports",
    [
        [],
        ["os", "os.path", "sys", "json", "collections.abc"],
        ["__future__", "__main__"],
        [".local", "..pkg.mod", "."],
    ],
)
def test_nothing_to_require(imports: list[str]) -> None:
    assert infer(imports) == Dependencies((), ())


@pytest.mark.parametrize(
    ("imports", "requirements"),
    [
        (["pandas"], ("pandas>=2.2",)),
        (["numpy", "pandas", "os"], ("numpy>=1.26", "pandas>=2.2")),
        (["sklearn.linear_model", "sklearn.metrics"], ("scikit-learn>=1.4",)),
        (["matplotlib.pyplot", "mpl_toolkits.mplot3d", "pylab"], ("matplotlib>=3.8",)),
        (["IPython.display"], ("ipython>=8.20",)),
        (["yaml"], ("PyYAML>=6.0",)),
        (
            ["yaml", "pandas", "IPython"],
            ("ipython>=8.20", "pandas>=2.2", "PyYAML>=6.0"),
        ),
        (["localtool"], ("localtool>=7",)),
        (["nightly"], ("nightly",)),
        # several distributions: the one named like the import, else the first sorted
        (["dual"], ("Dual",)),
        (["shared"], ("alpha-shared",)),
        # installed, but unknown to packages_distributions (an editable install)
        (["mylib"], ("mylib>=0.3",)),
        # not installed: the curated table, without a bound
        (["cv2", "PIL.Image", "bs4"], ("beautifulsoup4", "opencv-python", "pillow")),
        (["seaborn", "torch.nn"], ("seaborn", "torch")),
        (["dateutil.parser", "dotenv"], ("python-dateutil", "python-dotenv")),
    ],
)
def test_imports_become_requirements(imports: list[str], requirements: tuple[str, ...]) -> None:
    assert infer(imports) == Dependencies(requirements, ())


@pytest.mark.parametrize(
    ("imports", "dependencies"),
    [
        (["helpers"], Dependencies((), ("helpers",))),
        (["google.protobuf", "google.cloud.storage"], Dependencies((), ("google",))),
        (
            ["utils", "_private", "plot_helpers", "pandas"],
            Dependencies(("pandas>=2.2",), ("_private", "plot_helpers", "utils")),
        ),
    ],
)
def test_unknown_imports_are_not_guessed(imports: list[str], dependencies: Dependencies) -> None:
    assert infer(imports) == dependencies


@pytest.mark.parametrize(
    ("imports", "pips", "requirements"),
    [
        ([], ("seaborn",), ("seaborn",)),
        ([], ("seaborn", "seaborn"), ("seaborn",)),
        (["pandas"], ("pandas>=2",), ("pandas>=2",)),
        (["pandas"], ("pandas",), ("pandas>=2.2",)),
        (["pandas"], ("pandas[excel]",), ("pandas[excel]>=2.2",)),
        (["pandas"], ("pandas[excel]==2.1",), ("pandas[excel]==2.1",)),
        (["sklearn"], ("scikit-learn==1.4",), ("scikit-learn==1.4",)),
        (["sklearn"], ("Scikit_Learn<2",), ("Scikit_Learn<2",)),
        (["yaml"], ("pyyaml",), ("pyyaml>=6.0",)),
        ([], ("  numpy >= 1.20 ",), ("numpy>=1.20",)),
        ([], ("pandas>=2", "pandas==2.1"), ("pandas==2.1",)),
        ([], ("rich; python_version >= '3.10'",), ('rich; python_version >= "3.10"',)),
        (["pandas"], ("pandas; sys_platform == 'linux'",), ("pandas>=2.2", 'pandas>=2.2; sys_platform == "linux"')),
        (
            [],
            ("pandas<2; python_version<'3.9'", "pandas<3; python_version<'3.9'"),
            ('pandas<3; python_version < "3.9"',),
        ),
        (
            ["numpy"],
            ("numpy<2; python_version<'3.9'", "numpy==1.26"),
            ('numpy<2; python_version < "3.9"', "numpy==1.26"),
        ),
        ([], ("Requests [security] >=2 ; python_version<'4'",), ('Requests[security]>=2; python_version < "4"',)),
        ([], ("", "-q", "{pkg}"), ()),
        (
            ["numpy"],
            ("seaborn", "scikit-learn==1.4"),
            ("numpy>=1.26", "scikit-learn==1.4", "seaborn"),
        ),
    ],
)
def test_pip_installs(imports: list[str], pips: tuple[str, ...], requirements: tuple[str, ...]) -> None:
    assert infer(imports, pips).requirements == requirements


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ('numpy>=1", "evil==6.6.6', "not a valid requirement"),
        ("numpy\nevil==6.6.6", "not a valid requirement"),
        ("numpy,evil", "not a valid requirement"),
        ("numpy'", "not a valid requirement"),
        ('numpy"]\n[tool.evil]', "not a valid requirement"),
        ("-U", "a pip option"),
        ("--upgrade", "a pip option"),
        ("-r requirements.txt", "a requirements file"),
        ("-e .", "editable install"),
        ("{pkg}", "variable"),
        ("$PKG", "variable"),
        ("git+https://github.com/a/b.git", "a local path or URL"),
        ("https://example.org/b-1.0.tar.gz", "a local path or URL"),
        ("./libs/mine", "a local path or URL"),
        ("../mine.whl", "a local path or URL"),
        ("C:\\wheels\\x.whl", "a local path or URL"),
        ("b @ https://example.org/b-1.0.tar.gz", "a direct URL reference"),
        ("b @ git+https://github.com/a/b.git", "a direct URL reference"),
    ],
)
def test_pip_targets_that_are_not_requirements_are_refused(target: str, reason: str) -> None:
    dependencies = infer([], (PipTarget(target, 3), PipTarget("seaborn", 3)))
    assert dependencies.requirements == ("seaborn",)
    assert [(r.cell, r.text) for r in dependencies.refused] == [(3, target.strip())]
    assert reason in dependencies.refused[0].reason


def test_a_refused_target_is_listed_once_per_cell_in_cell_order() -> None:
    targets = (PipTarget("a,b", 4), PipTarget("a,b", 4), PipTarget("a,b", 2), "c,d")
    assert infer([], targets).refused == tuple(
        Refused(cell, text, "not a valid requirement (PEP 508)")
        for cell, text in [(None, "c,d"), (2, "a,b"), (4, "a,b")]
    )


def test_a_pip_line_places_an_import_of_its_name() -> None:
    assert infer(["helpers", "my_utils"], ("Helpers",)) == Dependencies(("Helpers",), ("my_utils",))


@pytest.mark.parametrize(
    ("imports", "requirements"),
    [
        (["patsy", "pydot", "quandl"], ("patsy", "pydot", "quandl")),
        (["Zeta", "alpha"], ("alpha", "Zeta")),
        (["urllib2", "cPickle", "StringIO"], ()),  # Python 2's standard library
    ],
)
def test_an_import_not_installed_is_its_own_distribution(imports: list[str], requirements: tuple[str, ...]) -> None:
    assert infer(imports) == Dependencies(requirements, ())


@pytest.mark.parametrize(
    ("imports", "recorded", "requirements"),
    [
        (["pandas"], {"pandas": "1.3.5"}, ("pandas>=1.3",)),
        (["sklearn"], {"sklearn": "0.24.2"}, ("scikit-learn>=0.24",)),
        (["numpy"], {"pandas": "1.3.5"}, ("numpy",)),
    ],
)
def test_recorded_versions_bound_without_an_environment(
    imports: list[str], recorded: dict[str, str], requirements: tuple[str, ...]
) -> None:
    assert infer_dependencies(imports, recorded=recorded).requirements == requirements


def test_the_environment_wins_over_what_the_notebook_records() -> None:
    assert infer_dependencies(["pandas"], (), INSTALLED, DISTRIBUTIONS, {"pandas": "1.3.5"}).requirements == (
        "pandas>=2.2",
    )


@pytest.mark.parametrize(
    ("version", "bound"),
    [
        ("1.26.4", ">=1.26"),
        ("2.2", ">=2.2"),
        ("7", ">=7"),
        ("2.1.0+cu121", ">=2.1"),
        ("2.0.0rc1", ">=2.0"),
        ("2024.1", ">=2024.1"),
        ("01.02", ">=1.2"),
        ("dev", ""),
        ("", ""),
        ("v1.2", ""),
        (None, ""),
    ],
)
def test_lower_bound(version: str | None, bound: str) -> None:
    assert lower_bound(version) == bound


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("pandas", "pandas"),
        ("PyYAML", "pyyaml"),
        ("Scikit_Learn", "scikit-learn"),
        ("a-_.b", "a-b"),
        ("zope.interface", "zope-interface"),
    ],
)
def test_normalise(name: str, normalised: str) -> None:
    assert normalise(name) == normalised


def test_same_inputs_same_output() -> None:
    imports = ["sklearn", "pandas", "helpers", "yaml", "cv2"]
    assert infer(imports) == infer(list(reversed(imports)))


def test_defaults_know_no_environment_not_even_this_one() -> None:
    assert infer_dependencies(["pandas", "os", "sklearn"]) == Dependencies(("pandas", "scikit-learn"), ())
