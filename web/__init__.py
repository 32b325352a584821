"""The staff web app: server-rendered pages over TryggClient and the register's reads.

`create_web_app(client, settings)` (web.app) is the one entry point; the API process and
`trygg dev` mount it under `/staff`.
"""
