"""RobustMedSAM export tool: checkpoint fusion and ONNX export of the fused model.

Run it with Debian's python3 (the one with torch): `/usr/bin/python3 -m export --help`, or through npm:
`npm run export -- --help`.
"""

TOOL_NAME = "export"
TOOL_VERSION = "0.1.0"
