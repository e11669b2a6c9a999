"""The composition root: the only package that imports the engine (core), the bot and the web app together."""
