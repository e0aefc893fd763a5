"""The PeerBridge console: server-rendered pages for clinicians, a backend-for-frontend of the
gateway's public ``/v1``. The browser holds only a session cookie; tokens stay in Redis."""
