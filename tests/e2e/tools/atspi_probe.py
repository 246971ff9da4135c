#!/usr/bin/python3
"""Reads an application's accessibility tree over AT-SPI, from outside its process, as a screen
reader such as Orca does; optionally presses a button by its accessible name first.

Usage: atspi_probe.py APP_NAME [--press NAME] [--type FIELD TEXT]
Prints {"found": bool, "nodes": [{"depth", "role", "name", "checked"}...]} as JSON. Needs the system Python
with GObject introspection (Debian: python3-gi, gir1.2-atspi-2.0) and an AT-SPI bus.
"""

import json
import sys
import time

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi, GLib  # noqa: E402

# egui rebuilds its tree as the screen changes, so a node met while walking may be gone by the
# time it is asked for its role (AT-SPI answers with an error for it). A screen reader simply
# reads again; so does this probe, a few times, before giving up.
WALK_ATTEMPTS = 20


def walk(node, depth, out):
    states = node.get_state_set()
    checked = states.contains(Atspi.StateType.CHECKED) or states.contains(Atspi.StateType.PRESSED)
    out.append({"depth": depth, "role": node.get_role_name(), "name": node.get_name() or "", "checked": checked, "node": node})
    if depth < 60:
        for index in range(node.get_child_count()):
            child = node.get_child_at_index(index)
            if child is not None:
                walk(child, depth + 1, out)


def read_tree(app):
    for attempt in range(WALK_ATTEMPTS):
        nodes = []
        try:
            walk(app, 0, nodes)
            return nodes
        except GLib.Error as error:
            if attempt + 1 == WALK_ATTEMPTS:
                sys.exit(f"the tree kept changing while read ({WALK_ATTEMPTS} attempts): {error}")
            time.sleep(0.25)


def application(name):
    desktop = Atspi.get_desktop(0)
    for index in range(desktop.get_child_count()):
        app = desktop.get_child_at_index(index)
        if app is not None and app.get_name() == name:
            return app
    return None


class Missing(Exception):
    """What was to be pressed or typed into is not in the tree (perhaps not yet)."""


def act(nodes, press, typed):
    if press is not None:
        pressable = ("push button", "toggle button", "entry")
        found = next((n for n in nodes if n["name"] == press and n["role"] in pressable), None)
        if found is None:
            raise Missing(f"nothing to press named {press!r}")
        target = found["node"]
        action = target.get_action_iface()
        names = [action.get_action_name(i) for i in range(action.get_n_actions())] if action is not None else []
        if "click" in names:
            action.do_action(names.index("click"))
        elif names:
            action.do_action(0)
        elif target.get_component_iface() is not None:
            target.get_component_iface().grab_focus()
        else:
            sys.exit(f"{press!r} offers no action and cannot take the focus")
    if typed is not None:
        field = next((n["node"] for n in nodes if n["name"] == typed[0] and n["role"] == "entry"), None)
        if field is None or field.get_editable_text_iface() is None:
            raise Missing(f"no text field named {typed[0]!r}")
        field.get_editable_text_iface().set_text_contents(typed[1])


def main():
    args = sys.argv[1:]
    name = args[0]
    press = args[args.index("--press") + 1] if "--press" in args else None
    # --type NAME TEXT: sets a text field's contents, as assistive technology types.
    typed = (args[args.index("--type") + 1], args[args.index("--type") + 2]) if "--type" in args else None
    app = application(name)
    if app is None:
        print(json.dumps({"found": False, "nodes": []}))
        return
    for attempt in range(WALK_ATTEMPTS):
        try:
            nodes = read_tree(app)
            act(nodes, press, typed)
            break
        except (GLib.Error, Missing) as error:
            # The node vanished between reading and acting, or the screen is still being
            # rebuilt: read again.
            if attempt + 1 == WALK_ATTEMPTS:
                sys.exit(f"could not act on the tree ({WALK_ATTEMPTS} attempts): {error}")
            time.sleep(0.25)
    for node in nodes:
        del node["node"]
    print(json.dumps({"found": True, "nodes": nodes}, ensure_ascii=False))


if __name__ == "__main__":
    main()
