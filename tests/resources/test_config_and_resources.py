"""Config validation, EnvVar secrecy, resource lifecycle and build_resources."""

from __future__ import annotations

import pytest
from pydantic import PrivateAttr

import dagster_nb as dg
from dagster_nb._definitions.config import is_config_annotation, resolve_config
from dagster_nb._definitions.resources import is_resource_annotation

SECRET = "hunter2-very-secret"


class OrdersConfig(dg.Config):
    region: str
    limit: int = 10


class Inner(dg.Config):
    x: int


class Outer(dg.Config):
    inner: Inner
    tags: list[str] = []


# ---------------------------------------------------------------- Config


def test_config_defaults_and_frozen():
    c = OrdersConfig(region="eu")
    assert (c.region, c.limit) == ("eu", 10)
    with pytest.raises(dg.DagsterInvalidConfigError, match="immutable"):
        c.limit = 3


def test_config_unknown_field_did_you_mean():
    with pytest.raises(dg.DagsterInvalidConfigError) as ei:
        OrdersConfig(regon="eu")
    msg = str(ei.value)
    assert "Unknown field 'regon'. Did you mean 'region'?" in msg
    assert "Missing required field 'region' (expected str)" in msg
    assert isinstance(ei.value, ValueError)


def test_resolve_config_names_where_field_and_type():
    with pytest.raises(dg.DagsterInvalidConfigError) as ei:
        resolve_config(
            OrdersConfig, {"region": "eu", "limt": 3, "limit": "many"}, where="asset 'orders'"
        )
    msg = str(ei.value)
    assert "asset 'orders'" in msg
    assert "Invalid value for field 'limit' (expected int)" in msg
    assert "Unknown field 'limt'. Did you mean 'limit'?" in msg
    assert "many" not in msg  # input values are never echoed


def test_resolve_config_nested_paths_and_wrappers():
    with pytest.raises(dg.DagsterInvalidConfigError, match=r"field 'inner\.x' \(expected int\)"):
        resolve_config(Outer, {"inner": {"x": "no"}}, where="op 'o'")
    c = resolve_config(Outer, {"config": {"inner": {"x": 2}, "tags": ["a"]}}, where="op 'o'")
    assert c.inner.x == 2 and c.tags == ["a"]
    assert resolve_config(OrdersConfig, OrdersConfig(region="us"), where="a").region == "us"
    with pytest.raises(dg.DagsterInvalidConfigError, match="Missing required field 'region'"):
        resolve_config(OrdersConfig, None, where="asset 'orders'")


def test_permissive_config_and_is_config_annotation():
    class Loose(dg.PermissiveConfig):
        a: int = 1

    assert Loose(b=2).b == 2
    assert is_config_annotation(OrdersConfig)
    assert not is_config_annotation(int)
    assert not is_config_annotation(dg.ConfigurableResource)


def test_run_config_to_config_dict():
    rc = dg.RunConfig(
        ops={"orders": OrdersConfig(region="eu", limit=5), "raw": {"config": {"n": 1}}},
        resources={"db": {"config": {"url": "x"}}},
    )
    d = rc.to_config_dict()
    assert d["ops"] == {
        "orders": {"config": {"region": "eu", "limit": 5}},
        "raw": {"config": {"n": 1}},
    }
    assert d["resources"] == {"db": {"config": {"url": "x"}}}
    assert d["loggers"] == {} and d["execution"] == {}


# ---------------------------------------------------------------- EnvVar & secrets


def test_envvar_basics(monkeypatch):
    e = dg.EnvVar("API_KEY")
    assert repr(e) == "EnvVar('API_KEY')"
    assert e.env_var_name == "API_KEY"
    with pytest.raises(RuntimeError, match="get_value"):
        str(e)
    monkeypatch.delenv("API_KEY", raising=False)
    assert e.get_value() is None and e.get_value("d") == "d"
    monkeypatch.setenv("API_KEY", SECRET)
    assert e.get_value() == SECRET
    monkeypatch.setenv("PORT", "8080")
    assert dg.EnvVar.int("PORT").get_value() == 8080
    assert repr(dg.EnvVar.int("PORT")) == "EnvVar.int('PORT')"


class Client(dg.ConfigurableResource):
    api_key: str
    port: int = 1
    _conn: str | None = PrivateAttr(default=None)

    def setup_for_execution(self, context):
        self._conn = f"conn-{self.port}"


def test_envvar_resolved_at_run_time_only(monkeypatch):
    monkeypatch.delenv("API_KEY", raising=False)
    c = Client(api_key=dg.EnvVar("API_KEY"))  # defining with the var unset is fine
    monkeypatch.setenv("API_KEY", SECRET)
    assert repr(c) == "Client(api_key=EnvVar('API_KEY'), port=1)"
    with dg.build_resources({"client": c}) as r:
        assert r.client.api_key == SECRET
        assert r.client._conn == "conn-1"
        for text in (repr(r.client), str(r.client), repr(r), repr(r._asdict())):
            assert SECRET not in text
        assert "EnvVar('API_KEY')" in repr(r.client)
    monkeypatch.setenv("API_KEY", "rotated-value")
    with dg.build_resources({"client": c}) as r:
        assert r.client.api_key == "rotated-value"


def test_missing_env_var_names_key_and_var(monkeypatch):
    monkeypatch.delenv("NOPE_KEY", raising=False)
    with pytest.raises(dg.DagsterInvalidConfigError) as ei:
        with dg.build_resources({"client": Client(api_key=dg.EnvVar("NOPE_KEY"))}):
            pass
    msg = str(ei.value)
    assert "resource 'client'" in msg and "NOPE_KEY" in msg and "not set" in msg


def test_bad_env_value_type_error_never_leaks(monkeypatch):
    monkeypatch.setenv("API_KEY", "k")
    monkeypatch.setenv("PORT_SECRET", SECRET)
    c = Client(api_key=dg.EnvVar("API_KEY"), port=dg.EnvVar("PORT_SECRET"))
    assert SECRET not in repr(c)
    with pytest.raises(dg.DagsterInvalidConfigError) as ei:
        with dg.build_resources({"client": c}):
            pass
    msg = str(ei.value)
    assert SECRET not in msg
    assert "field 'port'" in msg and "PORT_SECRET" in msg and "expected int" in msg


def test_secret_not_in_init_error_or_custom_validator(monkeypatch):
    from pydantic import field_validator

    class Strict(dg.ConfigurableResource):
        token: str

        @field_validator("token")
        @classmethod
        def check(cls, v):
            if v != "ok":
                raise ValueError(f"bad token {v}")
            return v

    monkeypatch.setenv("TOKEN", SECRET)
    with pytest.raises(dg.DagsterInvalidConfigError) as ei:
        with dg.build_resources({"s": Strict(token=dg.EnvVar("TOKEN"))}):
            pass
    assert SECRET not in str(ei.value) and "resource 's'" in str(ei.value)

    class Boom(dg.ConfigurableResource):
        token: str

        def setup_for_execution(self, context):
            raise ConnectionError(f"login failed for {self.token}")

    with pytest.raises(dg.DagsterResourceFunctionError) as ei:
        with dg.build_resources({"boom": Boom(token=dg.EnvVar("TOKEN"))}):
            pass
    assert "boom" in str(ei.value) and SECRET not in str(ei.value)
    assert isinstance(ei.value.user_exception, ConnectionError)
    assert ei.value.__cause__ is ei.value.user_exception


def test_secret_in_config_repr(monkeypatch):
    class WithSecret(dg.Config):
        password: str

    monkeypatch.setenv("PW", SECRET)
    c = resolve_config(WithSecret, {"password": {"env": "PW"}}, where="asset 'a'")
    assert c.password == SECRET
    assert SECRET not in repr(c) and SECRET not in str(c)
    assert "EnvVar('PW')" in repr(c)
    d = WithSecret(password=dg.EnvVar("PW"))
    assert repr(d) == "WithSecret(password=EnvVar('PW'))"
    assert resolve_config(WithSecret, d, where="a").password == SECRET


# ---------------------------------------------------------------- lifecycle


def test_lifecycle_order_and_teardown_on_error():
    events: list[str] = []

    class Tracked(dg.ConfigurableResource):
        name: str

        def setup_for_execution(self, context):
            events.append(f"setup {self.name}")

        def teardown_after_execution(self, context):
            events.append(f"teardown {self.name}")

    @dg.resource
    def gen_res():
        events.append("setup gen")
        yield "gen-value"
        events.append("teardown gen")  # no try/finally: must still run on error

    with pytest.raises(KeyError):
        with dg.build_resources(
            {"a": Tracked(name="a"), "g": gen_res, "b": Tracked(name="b")}
        ) as r:
            assert r.g == "gen-value"
            raise KeyError("body failed")
    assert events == ["setup a", "setup gen", "setup b", "teardown b", "teardown gen", "teardown a"]


def test_nested_resources_initialized_first_and_shared():
    events: list[str] = []

    class Db(dg.ConfigurableResource):
        url: str

        def setup_for_execution(self, context):
            events.append("db")

    class Repo(dg.ConfigurableResource):
        db: Db
        table: str

        def setup_for_execution(self, context):
            events.append(f"repo uses {self.db.url}")

    db = Db(url="sqlite://")
    with dg.build_resources({"repo": Repo(db=db, table="t"), "db": db}) as r:
        assert r.repo.db is r.db  # the shared instance is initialized once
    assert events == ["db", "repo uses sqlite://"]

    events.clear()
    with dg.build_resources({"repo": Repo(db=Db(url="x"), table="t")}) as r:
        assert r.repo.db.url == "x"
    assert events == ["db", "repo uses x"]


def test_required_resource_keys_and_config_schema():
    @dg.resource(config_schema={"prefix": str})
    def prefix(init_context):
        return init_context.resource_config["prefix"]

    @dg.resource(required_resource_keys={"prefix"})
    def greeter(init_context):
        return f"{init_context.resources.prefix} world"

    with dg.build_resources(
        {"greeter": greeter, "prefix": prefix},
        resource_config={"prefix": {"config": {"prefix": "hello"}}},
    ) as r:
        assert r.greeter == "hello world"
        assert set(r._asdict()) == {"greeter", "prefix"}
    with pytest.raises(dg.DagsterInvalidConfigError, match="Did you mean 'prefix'"):
        with dg.build_resources(
            {"prefix": prefix}, resource_config={"prefix": {"config": {"prefx": "h"}}}
        ):
            pass
    with pytest.raises(
        dg.DagsterInvalidDefinitionError, match="'prefix' required by resource with key 'greeter'"
    ):
        with dg.build_resources({"greeter": greeter}):
            pass


def test_unknown_resource_attribute_did_you_mean():
    with dg.build_resources({"warehouse": 1}) as r:
        with pytest.raises(dg.DagsterUnknownResourceError, match="Did you mean 'warehouse'"):
            _ = r.warehous
        assert list(r) == [1] and r["warehouse"] == 1 and "warehouse" in r


def test_resource_init_error_wraps_user_exception():
    @dg.resource
    def broken(_):
        raise ValueError("cannot connect")

    with pytest.raises(dg.DagsterResourceFunctionError, match="broken") as ei:
        with dg.build_resources({"broken": broken}):
            pass
    assert isinstance(ei.value.user_exception, ValueError)
    assert ei.value.__cause__ is ei.value.user_exception


def test_teardown_runs_for_initialized_when_later_init_fails():
    events = []

    @dg.resource
    def first():
        yield 1
        events.append("teardown first")

    @dg.resource
    def second():
        raise RuntimeError("x")

    with pytest.raises(dg.DagsterResourceFunctionError, match="second"):
        with dg.build_resources({"first": first, "second": second}):
            pass
    assert events == ["teardown first"]


def test_configure_at_launch_and_factory():
    class Db(dg.ConfigurableResource):
        url: str

    with dg.build_resources(
        {"db": Db.configure_at_launch()}, resource_config={"db": {"config": {"url": "u"}}}
    ) as r:
        assert r.db.url == "u"

    class Factory(dg.ConfigurableResourceFactory[str]):
        word: str

        def create_resource(self, context):
            return self.word.upper()

    with dg.build_resources({"f": Factory(word="hi")}) as r:
        assert r.f == "HI"


def test_yield_for_execution_and_get_resource_context():
    seen = []

    class Cm(dg.ConfigurableResource):
        def yield_for_execution(self, context):
            import contextlib

            @contextlib.contextmanager
            def cm():
                seen.append("enter")
                yield self
                seen.append("exit")

            return cm()

    with dg.build_resources({"cm": Cm()}, instance="inst") as r:
        assert r.cm.get_resource_context().instance == "inst"
    assert seen == ["enter", "exit"]
    with pytest.raises(dg.DagsterInvalidInvocationError):
        Cm().get_resource_context()


def test_resource_definition_helpers_and_init_context():
    assert dg.ResourceDefinition.hardcoded_resource(5).resource_fn(None) == 5
    with dg.build_resources(
        {"n": dg.ResourceDefinition.none_resource(), "m": dg.ResourceDefinition.mock_resource()}
    ) as r:
        assert r.n is None
        r.m.anything.works()

    @dg.resource(config_schema={"n": int})
    def counter(init_context):
        return init_context.resource_config["n"] * 2

    assert counter(dg.build_init_resource_context(config={"n": 3})) == 6
    ctx = dg.build_init_resource_context(resources={"x": 1})
    assert ctx.resources.x == 1 and ctx.resource_config is None


def test_is_resource_annotation():
    class MyClient:
        pass

    assert is_resource_annotation(Client)
    assert is_resource_annotation(dg.ResourceParam[MyClient])
    assert is_resource_annotation(dg.FilesystemIOManager)
    assert is_resource_annotation(dg.InMemoryIOManager) is False  # plain IOManager, as Dagster
    assert not is_resource_annotation(MyClient)
    assert not is_resource_annotation(OrdersConfig)
    assert not is_resource_annotation(int)


def test_definition_time_validation_of_non_env_fields():
    with pytest.raises(dg.DagsterInvalidConfigError, match="field 'port'"):
        Client(api_key=dg.EnvVar("API_KEY"), port="not-a-number")
    with pytest.raises(dg.DagsterInvalidConfigError, match="Did you mean 'api_key'"):
        Client(apikey="x")


def test_envvar_as_class_default(monkeypatch):
    class WithDefault(dg.ConfigurableResource):
        token: str = dg.EnvVar("DEFAULT_TOKEN")

    monkeypatch.setenv("DEFAULT_TOKEN", SECRET)
    with dg.build_resources({"w": WithDefault()}) as r:
        assert r.w.token == SECRET
        assert SECRET not in repr(r.w)
