SELECT id, total FROM plugin_billing_invoices WHERE order_id = ? AND note <> '?' -- ?
