"""The synthetic demo borough: built from a seed, loaded through the importer."""
