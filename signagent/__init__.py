"""hoso-sign-agent: the signing agent on a teacher's or principal's own PC.

The server prepares each PDF signature (pyHanko's interrupted signing) and sends the
DER of the CMS signed attributes through the browser; this agent, listening on
127.0.0.1 and answering only the configured site origin, shows what it is about to
sign, asks for the token PIN once per batch, signs the attributes with the user's
PKCS#11 token through pyHanko and returns complete CMS SignedData objects.

It runs on a school PC, not on the server: nothing here imports Django or the
server's packages. Protocol reference: docs/SIGNING-AGENT.md.
"""

from __future__ import annotations

__version__ = "1.0.0"
PROTOCOL = 1
AGENT_NAME = "hoso-sign-agent"
