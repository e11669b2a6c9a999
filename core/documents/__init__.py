"""Documents the engine produces: the booking proof PDF and the signed payload of its QR code."""
