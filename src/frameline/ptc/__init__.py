"""The Propaganda Techniques Corpus (SemEval-2020 Task 11): its file formats, its metrics, our models.

Everything here works on PTC-format data wherever it lies; nothing of the corpus
itself is in the package (it is licensed for research only).
"""
