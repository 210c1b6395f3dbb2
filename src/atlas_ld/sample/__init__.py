"""The bundled sample corpus, the seeded page generator and a local Atlas for harvest tests."""
