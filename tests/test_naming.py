"""Naming: package names from notebook stems, identifiers from headings, unique names."""

from __future__ import annotations

import keyword

import pytest

from nb2pkg.naming import identifier, package_name, package_problem, unique


@pytest.mark.parametrize("stem", ["explore", "sales_report", "model_v2", "notebook_nb"])
def test_package_name_keeps_good_names(stem: str) -> None:
    assert package_name(stem) == stem


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("01 Explore Data (v2)", "nb_01_explore_data_v2"),
        ("2024-sales", "nb_2024_sales"),
        ("Übersicht", "ubersicht"),
        ("Café Études", "cafe_etudes"),
        ("SalesReport", "sales_report"),
        ("my-notebook.v2", "my_notebook_v2"),
        ("  __Explore__  ", "explore"),
        ("import", "import_nb"),
        ("match", "match_nb"),
        ("json", "json_nb"),
        ("os", "os_nb"),
        ("list", "list_nb"),
        ("print", "print_nb"),
        ("pandas", "pandas_nb"),
        ("Pandas", "pandas_nb"),
        ("IPython", "ipython_nb"),
        ("sklearn", "sklearn_nb"),
        ("nb2pkg", "nb2pkg_nb"),
        ("test", "test_nb"),
        ("tests", "tests_nb"),
        ("typer", "typer_nb"),  # what `python -m` imports
        ("Click", "click_nb"),  # what Typer imports
        ("nbclient", "nbclient_nb"),  # what the generated output tests import
        ("", "notebook"),
        ("(((", "notebook"),
        ("日本語", "notebook"),
    ],
)
def test_package_name(stem: str, expected: str) -> None:
    assert package_name(stem) == expected


def test_package_name_is_no_module_the_notebook_imports() -> None:
    assert package_name("folium") == "folium"
    assert package_name("Folium", imported={"folium", "pandas"}) == "folium_nb"


@pytest.mark.parametrize("stem", ["01 Explore Data (v2)", "import", "Übersicht", "", "json"])
def test_package_name_is_a_lowercase_identifier(stem: str) -> None:
    name = package_name(stem)
    assert name.isidentifier() and name.isascii() and name == name.lower()
    assert not keyword.iskeyword(name)


@pytest.mark.parametrize("words", ["load", "load_data", "fit_model_2"])
def test_identifier_keeps_good_names(words: str) -> None:
    assert identifier(words) == words


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("1. Load the data!", "load_the_data"),
        ("2.3 Fit", "fit"),
        ("Data cleaning & EDA", "data_cleaning_eda"),
        ("Step 2: fit the model", "step_2_fit_the_model"),
        ("A very long heading with many words", "a_very_long_heading_with"),
        ("Résumé", "resume"),
        ("plotHistogram", "plot_histogram"),
        ("  --  load -- data --  ", "load_data"),
        ("3D plots", "value_3d_plots"),
        ("Import", "import_"),
        ("List", "list_"),
        ("", "value"),
        ("!!!", "value"),
        ("42", "value"),
    ],
)
def test_identifier(words: str, expected: str) -> None:
    assert identifier(words) == expected


@pytest.mark.parametrize(("words", "expected"), [("", "step"), ("3D", "step_3d"), ("Fit", "fit")])
def test_identifier_fallback(words: str, expected: str) -> None:
    assert identifier(words, fallback="step") == expected


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("load", set(), "load"),
        ("load", {"fit"}, "load"),
        ("load", {"load"}, "load_2"),
        ("load", {"load", "load_2"}, "load_3"),
        ("load", {"load", "load_3"}, "load_2"),
        ("load", ("load", "load_2", "load_3"), "load_4"),
    ],
)
def test_unique(name: str, taken: set[str], expected: str) -> None:
    assert unique(name, taken) == expected


@pytest.mark.parametrize("name", ["mypkg", "sales_report", "Sales", "_private", "match", "case", "list", "v2"])
def test_package_problem_accepts_importable_names(name: str) -> None:
    assert package_problem(name) is None


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("class", "is a Python keyword, which cannot be imported; use --name class_nb"),
        ("None", "is a Python keyword, which cannot be imported; use --name none"),
        (
            "os",
            "is the name of the module `os`, which the package would shadow (or be shadowed by, and never "
            "import); use --name os_nb",
        ),
        (
            "Json",
            "is the name of the module `json`, which the package would shadow (or be shadowed by, and never "
            "import); use --name json_nb",
        ),
        (
            "pandas",
            "is the name of the module `pandas`, which the package would shadow (or be shadowed by, and "
            "never import); use --name pandas_nb",
        ),
        ("café", "is not ASCII (Python allows it, but distribution names are ASCII); use --name cafe"),
        (
            "1st",
            "is not a Python identifier (letters, digits and underscores, not starting with a digit); "
            "use --name nb_1st",
        ),
        (
            "my-pkg",
            "is not a Python identifier (letters, digits and underscores, not starting with a digit); "
            "use --name my_pkg",
        ),
    ],
)
def test_package_problem_refuses_what_cannot_be_imported(name: str, problem: str) -> None:
    assert package_problem(name) == problem


@pytest.mark.parametrize("stem", ["os", "class", "café", "pytest", "1st", "None", "日本語"])
def test_the_suggested_name_is_accepted(stem: str) -> None:
    assert package_problem(package_name(stem)) is None
