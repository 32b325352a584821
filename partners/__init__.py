"""Partner notifications: the directory, the allow-list, documents, signing and the channels.

Nothing here reads files, the environment or the clock at import; the worker loads the
directory from settings (partners.directory.load_directory).
"""
