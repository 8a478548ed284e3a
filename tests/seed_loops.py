"""The lesson's own code (../shared/seed), lightly wrapped to return (loss, w, b) per epoch.

Kept as written in the lesson — global ``torch.manual_seed``, ``DataLoader`` — so the engine is
compared against the real thing. Only the doubled ``beta0`` of the lesson's mini-batch listing is
corrected, as the issue asks.
"""

import torch
from torch.utils.data import DataLoader, TensorDataset


def seed_data():
    torch.manual_seed(2021)
    X = torch.arange(-3, 3, 0.3).view(-1, 1)
    w0, b0 = torch.tensor(2.0), torch.tensor(-1.0)
    Y = w0 * X + b0 + torch.randn(X.shape)
    return X, Y


def criterion(yhat, y):
    return torch.mean((yhat - y) ** 2)


def manual(epochs=100, lr=0.1):
    X, Y = seed_data()
    w = torch.randn([1, 1]).requires_grad_()
    b = torch.randn([1, 1]).requires_grad_()

    def forward(x):
        return x * w + b

    history = []
    for epoch in range(epochs):
        Yhat = forward(X)
        loss = criterion(Yhat, Y)
        loss.backward()
        w.data = w.data - lr * w.grad.data
        b.data = b.data - lr * b.grad.data
        w.grad = None
        b.grad = None
        history.append((loss.item(), w.item(), b.item()))
    return history


def sgd(epochs=100, lr=0.1):
    X, Y = seed_data()
    w = torch.randn([1, 1]).requires_grad_()
    b = torch.randn([1, 1]).requires_grad_()

    def forward(x):
        return x * w + b

    my_optimizer = torch.optim.SGD([w, b], lr=lr)
    history = []
    for epoch in range(epochs):
        Yhat = forward(X)
        loss = criterion(Yhat, Y)
        loss.backward()
        my_optimizer.step()
        my_optimizer.zero_grad()
        history.append((loss.item(), w.item(), b.item()))
    return history


def minibatch(epochs=100, lr=0.1, batch_size=5, X=None, Y=None):
    if X is None:
        X, Y = seed_data()
    trainloader = DataLoader(dataset=TensorDataset(X, Y), batch_size=batch_size, shuffle=True)
    beta = torch.randn([1, 1]).requires_grad_()
    beta0 = torch.randn([1, 1]).requires_grad_()

    def model(x):
        return x @ beta + beta0

    my_optimizer = torch.optim.SGD([beta, beta0], lr=lr)
    history, n = [], len(X)
    for epoch in range(epochs):
        LOSS_sum = 0
        for xx, yy in trainloader:
            yhat = model(xx)
            loss = criterion(yhat, yy)
            LOSS_sum = LOSS_sum + loss * len(yy)
            my_optimizer.zero_grad()
            loss.backward()
            my_optimizer.step()
        history.append((LOSS_sum.item() / n, beta.item(), beta0.item()))
    return history


def design(epochs=100, lr=0.1):
    X, Y = seed_data()
    ones = torch.ones([X.shape[0], 1])
    XX = torch.concat([ones, X], axis=1)
    trainloader_xx = DataLoader(dataset=TensorDataset(XX, Y), batch_size=5, shuffle=True)
    beta = torch.randn([2, 1]).requires_grad_()

    def model(x):
        return x @ beta

    my_optimizer = torch.optim.SGD([beta], lr=lr)
    history, n = [], len(X)
    for epoch in range(epochs):
        LOSS_sum = 0
        for xx, yy in trainloader_xx:
            yhat = model(xx)
            loss = criterion(yhat, yy)
            LOSS_sum = LOSS_sum + loss * len(yy)
            my_optimizer.zero_grad()
            loss.backward()
            my_optimizer.step()
        history.append((LOSS_sum.item() / n, beta[1].item(), beta[0].item()))
    return history


def linear(epochs=100, lr=0.1):
    X, Y = seed_data()
    trainloader = DataLoader(dataset=TensorDataset(X, Y), batch_size=5, shuffle=True)
    model = torch.nn.Linear(1, 1, bias=True)
    my_optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    history, n = [], len(X)
    for epoch in range(epochs):
        LOSS_sum = 0
        for xx, yy in trainloader:
            yhat = model(xx)
            loss = criterion(yhat, yy)
            LOSS_sum = LOSS_sum + loss * len(yy)
            loss.backward()
            my_optimizer.step()
            my_optimizer.zero_grad()
        history.append((LOSS_sum.item() / n, model.weight.item(), model.bias.item()))
    return history


SEED_LOOPS = {
    "manual": manual,
    "sgd": sgd,
    "minibatch": minibatch,
    "design": design,
    "linear": linear,
}
