"""What the ERP posts in scripts/chaos.py: the bodies of the chaos orders."""

MTO_CUSTOMERS = [f"CHAOS-MTO-{i:02d}" for i in range(50)]
CUSTOM_SPECS = ({"finish": "oiled", "legs": 4}, {"finish": "lacquered", "legs": 3, "width_mm": 1600})


def has_custom_line(n, chain):
    return chain == "place-custom" and n % 4 == 0



def order_body(n, rng, chain="place-order"):
    """Order n: 300 customers on the default limit (500.00; unpaid invoices count against it, so
    some orders wait for credit approval); every 7th card-paid; every 11th the demo's C-200.
    On place-goods and place-custom with a shipping address and an e-mail address (every step
    runs). On place-custom every 4th order also has a custom line (TABLE-OAK, 1 or 2, with its
    specification in attributes.specs as tests/e2e/ComposedChainsE2ETest.cpp sends it; every
    8th first in the order, else last), every 12th a second one; those orders are of customers
    with a large limit of their own (write_chains)."""
    customer = "C-200" if n % 11 == 0 else f"CHAOS-{n % 300:03d}"
    lines = [{"sku": "BOLT-M8", "quantity": rng.randint(1, 40)}]
    if n % 3 == 0:
        lines.append({"sku": "DRILL-18V", "quantity": 1})
    if n % 5 == 0:
        lines.append({"sku": "SAW-BLADE", "quantity": rng.randint(1, 3)})
    body = {"order_ref": f"CHAOS-{n:06d}", "currency": "EUR",
            "customer": {"id": customer, "name": "Chaos Customer"}, "lines": lines}
    if n % 7 == 0:
        body["attributes"] = {"card_token": "tok_visa"}
    if has_custom_line(n, chain):
        body["customer"]["id"] = MTO_CUSTOMERS[n % len(MTO_CUSTOMERS)]
        tables = 2 if n % 12 == 0 else 1
        for k in range(tables):
            line = {"sku": "TABLE-OAK", "quantity": rng.randint(1, 2), "unit_price": 89000, "kind": "custom",
                    "description": "Oak table"}
            if n % 8 == 0 and k == 0:
                lines.insert(0, line)
            else:
                lines.append(line)
        specs, k = {}, 0
        for i, line in enumerate(lines):
            if line.get("kind") == "custom":
                specs[str(i)] = CUSTOM_SPECS[k % len(CUSTOM_SPECS)]
                k += 1
        body.setdefault("attributes", {})["specs"] = specs
    if chain != "place-order":
        body["chain"] = chain
        body["customer"]["email"] = f"chaos-{n % 300:03d}@example.com"
        body["shipping_address"] = {"name": "Chaos Customer", "line1": "Chaosweg 1", "city": "Berlin",
                                    "postal_code": "10115", "country": "DE"}
    return body
