"""The Matter device family: commissioning through the Matter SDK's controller in a worker
process (:mod:`.worker`, :mod:`.channel`), attestation against the catalog's PAA store."""
