import pickle

import pytest

from analyzer import errors
from analyzer.dask_engine import DaskEngineError
from analyzer.files import OutputExistsError, UnwritableOutputError
from analyzer.labelfile import LabelFileError
from analyzer.lexicons import LexiconError
from analyzer.posts import LabelError


@pytest.mark.parametrize("cls", [errors.ConcurrentRunError, errors.ModelError, errors.ReaderError, errors.UsageError,
                                 errors.TrainingDataError, LexiconError, DaskEngineError, OutputExistsError,
                                 UnwritableOutputError, LabelError, LabelFileError])
def test_every_typed_error_shares_one_base(cls):
    # the command line prints any AnalyzerError as one line; anything else is a bug
    assert issubclass(cls, errors.AnalyzerError)


def test_builtin_bases_are_kept_for_callers_that_catch_them():
    assert issubclass(errors.UsageError, ValueError) and issubclass(errors.TrainingDataError, ValueError)
    assert issubclass(OutputExistsError, FileExistsError) and issubclass(errors.ConcurrentRunError, RuntimeError)


def test_reader_error_names_where_and_crosses_processes():
    e = errors.ReaderError("posts.csv", "no text column", 3)
    assert str(e) == "posts.csv:3: no text column"
    back = pickle.loads(pickle.dumps(e))
    assert (type(back), str(back), back.line) == (errors.ReaderError, str(e), 3)
    assert str(errors.ReaderError("export.zip!tweets.js", "damaged")) == "export.zip!tweets.js: damaged"
