"""Importing documents as drafts: reading files (here, with their libraries) into the plain data
`drafting.importing` turns into paragraphs and amendments, then creating the draft."""
