"""docs/gateway.md shows the route table the code enforces."""

from pathlib import Path

from peerbridge_gateway.access_table import render

DOC = Path(__file__).resolve().parents[3] / "docs" / "gateway.md"


def test_the_guide_carries_the_current_route_table():
    assert render() in DOC.read_text(), "run: python -m peerbridge_gateway.access_table, paste into docs/gateway.md"
