"""server/openapi.json: every route the Worker serves is documented, nothing else is, and the
document is structurally valid OpenAPI 3.0.

The served routes come from `assay-worker --print-routes`, which runs the same registration as
serving (server/route_table.h), so a route added to the server without its documentation -- or
documentation left behind for a removed route -- fails here. cpp-httplib patterns are regular
expressions: each capture group is one path parameter, compared with OpenAPI's {name} by position.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from worker_harness import REPO, WORKER

OPENAPI = os.path.join(REPO, "server", "openapi.json")
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
PATH_ITEM_KEYS = METHODS | {"$ref", "summary", "description", "servers", "parameters"}
PARAMETER_PLACES = {"query", "header", "path", "cookie"}
STATUS_KEY = re.compile(r"^([1-5](\d\d|XX)|default)$")


def route_shape(pattern):
    """A cpp-httplib route pattern -> its path with each capture group as "{}"."""
    out, i = "", 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "(":
            depth, j = 1, i + 1
            while depth:
                if j >= len(pattern):
                    raise ValueError("unbalanced group in " + pattern)
                depth += {"(": 1, ")": -1}.get(pattern[j], 0)
                j += 1
            out, i = out + "{}", j
            continue
        if ch in ".[]*+?^$|\\{}":
            # Outside a group, a pattern must be a literal path, or "{}" would not say what it matches.
            raise ValueError("regular expression syntax outside a group in " + pattern)
        out += ch
        i += 1
    return out


def document_shape(path):
    return re.sub(r"\{[^{}/]+\}", "{}", path)


def documented_routes(doc):
    return {(method.upper(), document_shape(path))
            for path, item in doc["paths"].items() for method in item if method in METHODS}


class OpenApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not WORKER or not os.access(WORKER, os.X_OK):
            raise unittest.SkipTest("ASSAY_WORKER does not name the assay-worker binary")
        with open(OPENAPI, encoding="utf-8") as f:
            cls.doc = json.load(f)

    def served_routes(self):
        tmp = tempfile.mkdtemp(prefix="assay-openapi-")
        try:
            run = subprocess.run([WORKER, "--print-routes", "--data-dir", os.path.join(tmp, "data")],
                                 capture_output=True, text=True, timeout=60)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        routes = []
        for line in run.stdout.splitlines():
            method, pattern = line.split(" ", 1)
            routes.append((method, route_shape(pattern)))
        self.assertEqual(len(routes), len(set(routes)), "a route is registered twice: %r" % routes)
        return set(routes)

    # --- the document against the server ---------------------------------------------------------
    def test_every_served_route_is_documented_and_nothing_else(self):
        served = self.served_routes()
        self.assertIn(("GET", "/api/tiscale/v1/task/{}"), served)  # the listing works at all
        documented = documented_routes(self.doc)
        self.assertEqual(sorted(served - documented), [], "served but not in server/openapi.json")
        self.assertEqual(sorted(documented - served), [], "in server/openapi.json but not served")
        # The comparison notices a single missing path (it is not vacuous).
        for path in self.doc["paths"]:
            trimmed = dict(self.doc, paths={p: v for p, v in self.doc["paths"].items() if p != path})
            self.assertTrue(served - documented_routes(trimmed), "removing %s went unnoticed" % path)

    def test_route_shapes(self):
        self.assertEqual(route_shape(r"/api/tiscale/v1/task/([^/]+)"), "/api/tiscale/v1/task/{}")
        self.assertEqual(route_shape(r"/a/(\d+)/b/((x|y))"), "/a/{}/b/{}")
        self.assertEqual(document_shape("/a/{task_id}/b/{name}"), "/a/{}/b/{}")
        for pattern in (r"/a/.*", r"/a/(b", r"/a/b?"):
            with self.assertRaises(ValueError):
                route_shape(pattern)

    # --- the document on its own -------------------------------------------------------------------
    def resolve(self, node):
        """Follows a local $ref ("#/components/..."); fails on any other."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            self.assertTrue(ref.startswith("#/"), "only local references: " + ref)
            node = self.doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                self.assertIn(part, node, "unresolved reference " + ref)
                node = node[part]
            seen += 1
            self.assertLess(seen, 20, "reference cycle at " + ref)
        return node

    def check_parameters(self, where, parameters):
        out = []
        for parameter in parameters or []:
            p = self.resolve(parameter)
            self.assertIsInstance(p.get("name"), str, where)
            self.assertIn(p.get("in"), PARAMETER_PLACES, where)
            self.assertTrue("schema" in p or "content" in p, "%s: parameter %s has no schema" % (where, p["name"]))
            if p["in"] == "path":
                self.assertIs(p.get("required"), True, "%s: path parameter %s must be required" % (where, p["name"]))
            out.append(p)
        self.assertEqual(len(out), len({(p["name"], p["in"]) for p in out}), where + ": a parameter is declared twice")
        return out

    def check_operation(self, where, operation, path_parameters, template_names, operation_ids):
        self.assertIsInstance(operation, dict, where)
        responses = operation.get("responses")
        self.assertTrue(isinstance(responses, dict) and responses, where + ": no responses")
        for status, response in responses.items():
            self.assertRegex(status, STATUS_KEY, where)
            self.assertIsInstance(self.resolve(response).get("description"), str, "%s %s: no description" % (where, status))
        parameters = self.check_parameters(where, operation.get("parameters"))
        declared = {p["name"] for p in path_parameters + parameters if p["in"] == "path"}
        self.assertEqual(declared, set(template_names), where + ": path parameters declared != those in the path")
        if "requestBody" in operation:
            self.assertTrue(self.resolve(operation["requestBody"]).get("content"), where + ": requestBody without content")
        schemes = self.doc["components"]["securitySchemes"]
        for requirement in operation.get("security", self.doc.get("security", [])):
            for name in requirement:
                self.assertIn(name, schemes, where + ": unknown security scheme")
        if "operationId" in operation:
            self.assertNotIn(operation["operationId"], operation_ids, where + ": operationId reused")
            operation_ids.add(operation["operationId"])
        for name, callback in operation.get("callbacks", {}).items():
            for expression, item in self.resolve(callback).items():
                self.check_path_item("%s callback %s %s" % (where, name, expression), item, [], set())

    def check_path_item(self, where, item, template_names, operation_ids):
        self.assertIsInstance(item, dict, where)
        self.assertEqual(set(item) - PATH_ITEM_KEYS, set(), where + ": unknown keys")
        path_parameters = self.check_parameters(where, item.get("parameters"))
        operations = [m for m in item if m in METHODS]
        self.assertTrue(operations, where + ": no operation")
        for method in operations:
            self.check_operation("%s %s" % (method.upper(), where), item[method], path_parameters, template_names,
                                 operation_ids)

    def test_document_is_valid_openapi_3(self):
        doc = self.doc
        self.assertRegex(doc.get("openapi", ""), r"^3\.0\.\d+$")
        self.assertIsInstance(doc.get("info", {}).get("title"), str)
        self.assertIsInstance(doc.get("info", {}).get("version"), str)
        self.assertTrue(isinstance(doc.get("paths"), dict) and doc["paths"])
        schemes = doc.get("components", {}).get("securitySchemes", {})
        self.assertTrue(schemes, "no securitySchemes")
        for name, scheme in schemes.items():
            self.assertIn(scheme.get("type"), {"apiKey", "http", "oauth2", "openIdConnect"}, name)
            if scheme["type"] == "apiKey":
                self.assertIn(scheme.get("in"), {"query", "header", "cookie"}, name)
                self.assertIsInstance(scheme.get("name"), str, name)
        operation_ids = set()
        for path, item in doc["paths"].items():
            self.assertTrue(path.startswith("/") and "?" not in path, path)
            names = re.findall(r"\{([^{}/]+)\}", path)
            self.assertEqual(len(names), len(set(names)), path + ": a parameter name is used twice")
            self.assertNotRegex(re.sub(r"\{[^{}/]+\}", "", path), r"[{}]", path + ": unbalanced braces")
            self.check_path_item(path, item, names, operation_ids)

        # Every reference anywhere resolves.
        def walk(node):
            if isinstance(node, dict):
                if "$ref" in node:
                    self.resolve(node)
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)
        walk(doc)

    def test_every_operation_names_its_token(self):
        # The seeds' Authorization header: each path under its token family's scheme.
        families = (("/api/tiscale/", "usageToken"), ("/srv/tiscale/", "serviceToken"), ("/api/license/", "licenseToken"),
                    ("/api/uploads/", "retroToken"), ("/api/yara/", "retroToken"))
        for path, item in self.doc["paths"].items():
            expected = next(scheme for prefix, scheme in families if path.startswith(prefix))
            for method in METHODS & set(item):
                security = item[method].get("security", [])
                self.assertIn({expected: []}, security, "%s %s" % (method, path))
                self.assertIn("401", item[method]["responses"], "%s %s" % (method, path))
                self.assertIn("403", item[method]["responses"], "%s %s" % (method, path))


if __name__ == "__main__":
    unittest.main()
