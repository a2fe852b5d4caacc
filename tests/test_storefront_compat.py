"""The storefront compatibility count: every operation definition counts once.

A storefront tree is built in a temporary folder: two files defining an
operation of the same name, one operation the schema refuses, and GraphQL
written inline in TypeScript, with a query quoted in a comment that the
storefront never sends.
"""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "storefront_compat.py"

INLINE_TS = """
import { executeRawGraphQL } from "@/lib/graphql";

/**
 * @example
 *   query: `mutation Register($input: AccountRegisterInput!) { ... }`,
 */
// const OLD = `query Old { nothingHere }`;
const NOT_GRAPHQL = `query string for ${"search"}`;
const SHOP_NAME = `fragment ShopName on Shop { name }`;
const SHOP_QUERY = `
  query ShopInline {
    shop { ...ShopName }
  }
  ${SHOP_NAME}
`;
const label = 'it`s not a template';
export const run = () => executeRawGraphQL({ query: `query ShopByCall { shop { name } }` });
export const dynamic = (fields: string[]) => `query Dynamic { shop { ${fields.join(" ")} } }`;
"""


@pytest.fixture(scope="module")
def compat():
    spec = importlib.util.spec_from_file_location("storefront_compat", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def storefront(tmp_path):
    def write(relative, text):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    write("src/graphql/ProductDetails.graphql", "query ProductDetails { shop { name } }\n")
    write(
        "src/checkout/graphql/product.graphql",
        "query ProductDetails { shop { ...ShopDescription } }\n"
        "query Broken { shop { noSuchField } }\n",
    )
    write("src/graphql/fragments.graphql", "fragment ShopDescription on Shop { description }\n")
    write("src/lib/shop.ts", INLINE_TS)
    # Generated code repeats the documents; counting it would count them twice.
    write("src/gql/graphql.ts", "export const D = `query ProductDetails { shop { name } }`;\n")
    write("node_modules/x/q.graphql", "query FromADependency { shop { name } }\n")
    return tmp_path


def test_same_named_operations_in_two_files_both_count(compat, storefront, capsys):
    exit_code = compat.main([str(storefront)])
    lines = capsys.readouterr().out.splitlines()
    assert "OK   src/graphql/ProductDetails.graphql ProductDetails" in lines
    assert "OK   src/checkout/graphql/product.graphql ProductDetails" in lines
    [broken] = [line for line in lines if "Broken" in line]
    assert broken.startswith("FAIL src/checkout/graphql/product.graphql Broken: ")
    assert "noSuchField" in broken
    assert exit_code == 1


def test_inline_operations_are_counted_apart_and_comments_are_not(compat, storefront, capsys):
    compat.main([str(storefront)])
    lines = capsys.readouterr().out.splitlines()
    inline = [line for line in lines if " inline " in f" {line} " and "validate" not in line]
    assert inline == [
        "OK   inline src/lib/shop.ts:12 ShopInline",
        "OK   inline src/lib/shop.ts:18 ShopByCall",
        "SKIP inline src/lib/shop.ts:19 (dynamic): text built at run time",
    ]
    assert lines[-1] == (
        "4 of 5 operations validate (3 in .graphql files, 2 inline in code, 1 inline skipped)"
    )
    assert not [line for line in lines if "Register" in line or "Old" in line]


def test_only_checks_every_operation_of_the_names_given(compat, storefront, capsys):
    assert compat.main([str(storefront), "--only", "ProductDetails"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith("2 of 2 operations validate")
    assert compat.main([str(storefront), "--only", "ProductDetails", "Missing"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert "FAIL Missing: no operation of that name" in lines
    assert lines[-1].startswith("2 of 3 operations validate")


def test_the_command_exits_non_zero_when_an_operation_fails(storefront):
    result = subprocess.run(
        [sys.executable, str(TOOL), str(storefront)], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stdout.splitlines()[-1].startswith("4 of 5 operations validate")
