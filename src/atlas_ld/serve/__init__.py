"""The ASGI application: SPARQL 1.1 Protocol, dereferenceable IRIs and HTML pages."""
