"""A folium map rendered to its page parts without ever compiling data as a template.

branca's own ``Figure.render()`` renders each element's macros and then wraps the
output in ``Element(output)``, which compiles it *again* as a Jinja template: any
text inside an element's script (a carrier's name, a plan's quote) becomes template
code there (``企业{{7*7}}`` shows as ``企业49``; worse runs Python). This module walks
the element tree itself and keeps each macro's output as a plain string. The only
templates compiled are the element classes' own, fixed when their module was imported.

An element class that overrides ``render`` with steps not reproduced here is refused
(``UnsafeElement``) rather than rendered by branca, as is an element whose template
was compiled from a string at run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.map import Class, IncludeStatement, Layer, LayerControl
from markupsafe import Markup

#: Classes whose ``render`` steps this module reproduces (all others are refused).
REPRODUCED = (Element, MacroElement, Class, Layer, LayerControl, JSCSSMixin)
MACROS = ("header", "html", "script")


class UnsafeElement(TypeError):
    """An element this renderer cannot draw without branca's second compile."""


@dataclass(frozen=True)
class MapParts:
    """A map's markup for the page: links and styles, the map's div, its script."""

    header: str
    html: str
    script: str


@dataclass
class _Sections:
    """Named pieces of each section, in order; a name given twice keeps its first place
    and its last text (as branca's ``add_child`` does)."""

    header: dict[str, str] = field(default_factory=dict)
    html: dict[str, str] = field(default_factory=dict)
    script: dict[str, str] = field(default_factory=dict)

    def parts(self) -> MapParts:
        return MapParts(*("\n".join(getattr(self, s).values()) for s in MACROS))


def render_parts(root: MacroElement) -> MapParts:
    """The header, html and script of ``root`` (a ``folium.Map``) and its children.

    Raises
    ------
    UnsafeElement
        When an element's class renders by steps not reproduced here, or its template
        was compiled from a string at run time.
    """
    sections = _Sections()
    _render(root, sections)
    return sections.parts()


def check_element(element: Element) -> None:
    """Refuse an element that only branca's own rendering could draw."""
    own = [k for k in type(element).__mro__ if "render" in k.__dict__ and k not in REPRODUCED]
    if own:
        raise UnsafeElement(f"{type(element).__name__}: {own[0].__name__}.render is not "
                            "reproduced by web.folium_render")
    if not isinstance(element, MacroElement) or element._template_str is not None:
        raise UnsafeElement(f"{type(element).__name__}: not a macro element of a fixed template")


def _render(element: MacroElement, sections: _Sections) -> None:
    check_element(element)
    if isinstance(element, JSCSSMixin):
        _links(element, sections)
    if isinstance(element, Class) and element.includes:
        statement = IncludeStatement(element.leaflet_class_name, **element.includes)
        sections.script[element._name + "_includes"] = statement._template.render(
            this=statement, kwargs=element.includes)
    if isinstance(element, LayerControl):
        _collect_layers(element)
    macros = element._template.module.__dict__
    for section in MACROS:
        if section in macros:
            getattr(sections, section)[element.get_name()] = str(macros[section](element, {}))
    for child in element._children.values():
        _render(child, sections)
    if isinstance(element, Layer) and element.show and element._parent is not None:
        sections.script[element.get_name() + "_add"] = (
            f"{element.get_name()}.addTo({element._parent.get_name()});")


def _links(element: JSCSSMixin, sections: _Sections) -> None:
    for name, url in element.default_js:
        sections.header[name] = str(Markup('<script src="{}"></script>').format(url))
    for name, url in element.default_css:
        sections.header[name] = str(Markup('<link rel="stylesheet" href="{}"/>').format(url))


def _collect_layers(control: LayerControl) -> None:
    """What ``LayerControl.render`` collects: the parent's controlled layers by name."""
    control.reset()
    for item in control._parent._children.values():
        if isinstance(item, Layer) and item.control:
            target = control.overlays if item.overlay else control.base_layers
            target[item.layer_name] = item.get_name()
