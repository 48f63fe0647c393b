CREATE TABLE plugin_x_items (id INTEGER PRIMARY KEY, name TEXT);
CREATE INDEX plugin_x_items_name ON plugin_x_items (name);
