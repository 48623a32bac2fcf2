"""Pure computations over a ``Dataset``: each returns a result that carries its
explanation and turns itself into a ``Report`` for rendering."""
