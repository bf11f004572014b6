"""Per-cell dataflow: what each code cell defines, uses and changes in place.

This is the stage's API: later stages import these names from `nb2pkg.analysis`, never
from its modules."""

from nb2pkg.analysis.cells import (
    Analysed,
    analyse_cell,
    analyse_notebook,
    analyse_notebook_in_context,
    analyse_tree,
    forget_code,
    shadowed_builtins,
)
from nb2pkg.analysis.closures import late_reads
from nb2pkg.analysis.facts import CellFacts, Context, Deferred, ParseError
from nb2pkg.analysis.import_time import definition_work
from nb2pkg.analysis.mutation import has_inplace_true, method_mutates_receiver, root_name
from nb2pkg.analysis.names import NOTEBOOK_BUILTINS
from nb2pkg.analysis.parsed import CACHED_PER_NOTEBOOK, code_of, parse, value_hidden
from nb2pkg.analysis.paths import conditional_deletes, partial_bindings, path_facts
from nb2pkg.analysis.scopes import (
    LocalBindings,
    derives,
    dotted_name,
    import_binding,
    target_names,
    visit_fields,
    visited_nodes,
    walk_nodes,
)
from nb2pkg.analysis.unreadable import unreadable_writes

__all__ = [
    "CACHED_PER_NOTEBOOK",
    "Analysed",
    "NOTEBOOK_BUILTINS",
    "CellFacts",
    "Context",
    "Deferred",
    "LocalBindings",
    "ParseError",
    "analyse_cell",
    "analyse_notebook",
    "analyse_notebook_in_context",
    "analyse_tree",
    "code_of",
    "conditional_deletes",
    "definition_work",
    "derives",
    "forget_code",
    "dotted_name",
    "has_inplace_true",
    "import_binding",
    "late_reads",
    "method_mutates_receiver",
    "parse",
    "partial_bindings",
    "path_facts",
    "root_name",
    "shadowed_builtins",
    "target_names",
    "unreadable_writes",
    "value_hidden",
    "visit_fields",
    "visited_nodes",
    "walk_nodes",
]
