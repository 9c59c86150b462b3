"""AdministrationSource: the one interface between the gateway and an administration."""
