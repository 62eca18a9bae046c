"""Read-side computations over the stored analysis: contrast, timelines, propagation, co-occurrence.

Each module answers one analyst question from the frame, entity and cluster
layers, restricted to a selection of documents (`selection`), and returns plain
dataclasses that the CLI prints, the UI draws and the brief (`reports.brief`) renders.
"""
