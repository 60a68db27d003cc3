"""Model_Log users change one import line; its README's three steps and its MNIST demo (with
a fake training loop in place of TensorFlow) then record runs in the center."""

import mfile
from conftest import run_script

README_STEPS = """
from mfile.modellog import ModelLog
model_log = ModelLog(nick_name='mantch', project_name='demo实体识别', project_remark='')
model_log.add_model_name(model_name='BILSTM_CRF模型')
model_log.add_model_remark(remark='模型备注')
model_log.add_param(param_dict={'lr':0.01}, param_type='tf_param')

for epoch in range(1, 4):
    model_log.add_metric(metric_name='train_loss', metric_value=4.5646 / epoch, epoch=epoch)

model_log.add_best_result(best_name='best_loss', best_value=1.2122, best_epoch=30)
model_log.finish_model()
model_log.close()
"""

# demo_TF_MIST.py from NLP-LOVE/Model_Log, its TensorFlow session replaced by made-up numbers
# (numpy's float types replaced by float subclasses, which is what they are). It never calls
# finish_model() or close().
MNIST_DEMO = """
from mfile.modellog import ModelLog

class float64(float):
    pass

learning_rate = 0.001
epochs = 500
batch_size = 1000
early_stop = 10
display_step = 1
n_hidden_1 = 128
n_hidden_2 = 0
num_input = 784
num_classes = 10

model_log = ModelLog('mantch', 'MNIST手写数字识别')
model_log.add_model_name('nn神经网络')

params = {'learning_rate':learning_rate, 'epochs':epochs, 'batch_size':batch_size, 'n_hidden_1':n_hidden_1,
          'n_hidden_2':n_hidden_2, 'num_input':num_input, 'num_classes':num_classes, 'early_stop':early_stop}
model_log.add_param(params, 'tf_params')

best_loss = 100000
best_epoch = 0
for epoch in range(1, epochs + 1):
    loss = float64(1.0 / epoch)
    test_loss = float64(abs(epoch - 20) / 10 + 0.5)   # best at epoch 20, then worse
    acc = float64(min(epoch, 20) / 25)
    if epoch % display_step == 0 or epoch == 1:
        model_log.add_metric('train_loss', loss, epoch)
        model_log.add_metric('test_loss', test_loss, epoch)
        model_log.add_metric('test_acc', acc, epoch)
        if test_loss < best_loss:
            best_loss = test_loss
            best_epoch = epoch
        if epoch - best_epoch > 10:
            break

model_log.add_best_result('best_loss', best_loss, best_epoch)
model_log.add_best_result('best_step', best_epoch, best_epoch)
print("Optimization Finished!")
"""


def test_the_readme_steps_record_a_finished_run_with_its_note_and_params():
    done = run_script(README_STEPS)
    assert done.returncode == 0, done.stderr
    [run] = mfile.Center().runs("demo实体识别", user="mantch")
    assert (run["name"], run["owner"], run["status"], run["note"]) == ("BILSTM_CRF模型", "mantch", "finished", "模型备注")
    assert run["params"]["lr"]["value"] == "0.01" and run["tags"] == {"param_type": "tf_param"}
    points = mfile.Center().metrics("demo实体识别", "mantch/BILSTM_CRF模型")
    assert points["train_loss"] == [(1, 4.5646), (2, 4.5646 / 2), (3, 4.5646 / 3)]  # full precision
    assert points["best_loss"] == [(30, 1.2122)]


def test_a_second_run_of_the_same_name_gets_the_next_free_name():
    assert run_script(README_STEPS).returncode == 0
    assert run_script(README_STEPS).returncode == 0
    names = sorted(r["name"] for r in mfile.Center().runs("demo实体识别", user="mantch"))
    assert names == ["BILSTM_CRF模型", "BILSTM_CRF模型-2"]


def test_the_mnist_demo_loses_no_point_without_finish_or_close():
    done = run_script(MNIST_DEMO)
    assert done.returncode == 0, done.stderr
    assert "Optimization Finished!" in done.stdout
    [run] = mfile.Center().runs("MNIST手写数字识别", user="mantch")
    assert run["name"] == "nn神经网络" and run["status"] == "running"  # the demo never finishes it
    assert len(run["params"]) == 8 and run["params"]["n_hidden_2"]["value"] == "0"
    metrics = run["metrics"]
    assert metrics["test_loss"]["count"] == 31  # early stop 11 epochs after the best (20)
    assert metrics["test_loss"]["min_step"] == 20 and metrics["test_loss"]["min"] == 0.5
    points = mfile.Center().metrics("MNIST手写数字识别", "mantch/nn神经网络", keys=["best_loss", "best_step"])
    assert points == {"best_loss": [(20, 0.5)], "best_step": [(20, 20.0)]}


def test_without_a_model_name_the_run_is_named_after_the_project():
    script = README_STEPS.replace("model_log.add_model_name(model_name='BILSTM_CRF模型')\n", "")
    assert run_script(script).returncode == 0
    assert [r["name"] for r in mfile.Center().runs("demo实体识别", user="mantch")] == ["demo实体识别_1"]


def test_after_finish_model_the_next_metric_starts_a_new_run():
    script = README_STEPS + """
model_log.add_model_name(model_name='second')
model_log.add_param(param_dict={'lr': 0.1}, param_type='tf_param')
model_log.add_metric(metric_name='train_loss', metric_value=1.0, epoch=1)
model_log.finish_model()
"""
    done = run_script(script)
    assert done.returncode == 0, done.stderr
    runs = {r["name"]: r for r in mfile.Center().runs("demo实体识别", user="mantch")}
    assert set(runs) == {"BILSTM_CRF模型", "second"}
    assert runs["second"]["params"]["lr"]["value"] == "0.1"
    first = mfile.Center().metrics("demo实体识别", "mantch/BILSTM_CRF模型")
    assert first["train_loss"][0] == (1, 4.5646), "the first run is left as it was"


def test_a_metric_named_like_the_step_is_refused():
    import pytest

    from mfile.modellog import ModelLog

    model_log = ModelLog("mantch", "p")
    with pytest.raises(ValueError):
        model_log.add_metric("epoch", 3, 3)
