"""Where each bid of a case file is: its line in a YAML or JSON file, its cell in a workbook.

The review gate's GitHub annotations point at the bid they are about, so that
a reviewer can click from the pull request to the line. The positions are
read again from the file, only when an output needs them: a file the gate has
already loaded is known to be within every limit the loaders set.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["Position", "bid_positions"]

Position = int | str
"""A line number (from 1) in a text file, or ``Sheet!Cell`` in a workbook."""


def bid_positions(path: str | Path) -> list[Position]:
    """Where each bid of a case file starts, in the order of the case's bids.

    Parameters
    ----------
    path : str or Path
        A case file (``.yaml``, ``.yml``, ``.json`` or ``.xlsx``) that loads
        without problems.

    Returns
    -------
    list of int or str
        Per bid, the line (from 1) of its entry in ``bids:``, or the
        ``Sheet!Cell`` of its name in a workbook. Empty when the file cannot
        be read again or has no bids list.

    Examples
    --------
    >>> import bidfit
    >>> bid_positions(bidfit.sample_path("norway_roaming"))
    [36, 91]
    >>> bid_positions(bidfit.sample_path("norway_roaming", ".xlsx"))
    ['Bids!A2', 'Bids!A3']
    """
    path = Path(path)
    try:
        if path.suffix.lower() == ".xlsx":
            return _workbook_positions(path)
        return _text_positions(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, ImportError, LookupError):
        return []


def _text_positions(text: str) -> list[Position]:
    """Lines of the items of the top-level ``bids`` list; JSON is read as the YAML it also is."""
    import yaml

    try:
        # libyaml's composer when there is one: the file already loaded within every depth limit.
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "bids" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _workbook_positions(path: Path) -> list[Position]:
    """The cell of each bid's name, as the workbook reader records it."""
    from bidfit.io.xlsx.read import cell_map

    where = cell_map(path)
    out: list[Position] = []
    while ("bids", len(out), "name") in where:
        out.append(where[("bids", len(out), "name")])
    return out
