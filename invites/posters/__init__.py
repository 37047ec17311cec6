"""Posters and flyers as PDF: a tracked link's QR code, the event in the audience's language,
set in fonts that cover Nordic, Sámi and Arabic letters. Pure: content in, bytes out; no
store, no clock, no network, no system fonts.
"""

from invites.posters.content import SIZES, Feature, Labels, PosterContent, Size
from invites.posters.render import render

__all__ = ["SIZES", "Feature", "Labels", "PosterContent", "Size", "render"]
