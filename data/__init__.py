"""The bundled data files (installed as ``tradecli.bundled``); see README.md here."""
