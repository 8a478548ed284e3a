// The lesson's steps: what each one runs (page settings, on top of the defaults), the epoch its
// caption talks about (`at`: the step plays up to it and waits there; 0 is its start; none, its
// end), which view it enlarges, and its caption in English and in Korean, the lesson's language
// (its terms: 손실 함수, 경사하강법, 학습률, 미니배치, 설계 행렬). `setup` is the title and caption a
// class sees before the step's run, in a room, where it is asked before it is run: they say what
// is set up, never what the run will show (the step's own say it: "too large", "diverges").
// This file is the lesson's catalogue: a step's caption lives beside the settings it describes; the
// page's other words are in i18n/en.js and i18n/ko.js. The lesson's eight chapters; the eighth,
// learning rates, in three steps.


const RUN = { seed: 2021, speed: '2', epochs: 100 };

export const STEPS = [
  {
    state: { ...RUN, mode: 'manual', init_w: 2, init_b: -1, epochs: 1, speed: '0.25', resid: true }, at: 0, focus: 'fit',
    en: ['The data and a guess',
      'Twenty points made as y = 2x − 1 plus noise. Our guess is the line ŷ = 2x − 1: w = 2, b = −1. How far is it from the points? The vertical gaps are the errors; their squares’ mean is the loss (in the readout).'],
    ko: ['데이터와 추정치',
      'y = 2x − 1에 잡음을 더해 만든 점 20개입니다. 추정치는 직선 ŷ = 2x − 1: w = 2, b = −1. 점들과 얼마나 떨어져 있을까요? 세로 간격이 오차이고, 그 제곱의 평균이 손실입니다 (아래 수치).'],
  },
  {
    state: { ...RUN, mode: 'manual' }, focus: 'surface',
    en: ['The loss as a surface',
      'The loss function turns a line into one number: the mean squared error. Every (w, b) has a loss, so the losses form a bowl. The best line sits at the bottom; training means walking down.'],
    ko: ['손실 함수는 곡면이다',
      '손실 함수는 직선 하나를 숫자 하나로 바꿉니다: 평균제곱오차. (w, b)마다 손실이 있으니 손실은 그릇 모양의 곡면이 됩니다. 가장 좋은 직선은 바닥에 있고, 학습은 그 바닥으로 내려가는 것입니다.'],
  },
  {
    state: { ...RUN, mode: 'manual', arrows: true }, at: 0, focus: 'contour', // the first arrow, at its longest
    en: ['Gradient descent by hand',
      'loss.backward() gives the slope ∂loss/∂w and ∂loss/∂b. We step against it: w ← w − lr·∂loss/∂w, the same for b. The arrow points downhill; each dot is one epoch.'],
    ko: ['직접 짠 경사하강법',
      'loss.backward()가 기울기 ∂loss/∂w, ∂loss/∂b를 줍니다. 그 반대 방향으로 한 걸음: w ← w − lr·∂loss/∂w, b도 같습니다. 화살표는 내리막 방향, 점 하나가 한 epoch입니다.'],
  },
  {
    state: { ...RUN, cmp: 'mode:manual;optimizer:sgd,mode:sgd' }, focus: null,
    en: ['The same with torch.optim.SGD',
      'optimizer.step() does our update and optimizer.zero_grad() clears the gradients. Same start, same learning rate: the two paths lie on top of each other.'],
    ko: ['torch.optim.SGD로 똑같이',
      'optimizer.step()이 우리가 짠 업데이트를, optimizer.zero_grad()가 기울기 초기화를 대신합니다. 같은 시작점, 같은 학습률: 두 경로가 겹칩니다.'],
    setup: {
      en: ['The same with torch.optim.SGD',
        'optimizer.step() does our update and optimizer.zero_grad() clears the gradients. Our hand-written loop and torch.optim.SGD start from the same point with the same learning rate.'],
      ko: ['torch.optim.SGD로 똑같이',
        'optimizer.step()이 우리가 짠 업데이트를, optimizer.zero_grad()가 기울기 초기화를 대신합니다. 직접 짠 반복문과 torch.optim.SGD가 같은 시작점, 같은 학습률로 출발합니다.'],
    },
  },
  {
    state: { ...RUN, cmp: 'mode:sgd,mode:minibatch', batch_size: 5, granularity: 'step' }, focus: 'contour',
    en: ['Mini-batches with DataLoader',
      'DataLoader(batch_size=5, shuffle=True) feeds 5 points at a time: 4 updates per epoch instead of 1, each drawn on the path. Each mini-batch sees only part of the data, so the path wobbles; it gets near the bottom in fewer epochs, then keeps wobbling around it.'],
    ko: ['DataLoader로 미니배치',
      'DataLoader(batch_size=5, shuffle=True)는 한 번에 5개씩 줍니다: epoch마다 업데이트가 1번이 아니라 4번이고, 경로에 하나하나 그려집니다. 미니배치는 데이터의 일부만 보니 경로가 흔들립니다. 더 적은 epoch에 바닥 근처에 닿지만, 그 뒤로도 주변에서 흔들립니다.'],
    setup: {
      en: ['Mini-batches with DataLoader',
        'DataLoader(batch_size=5, shuffle=True) feeds 5 points at a time: 4 updates per epoch instead of 1, each drawn on the path. Full batch and mini-batches start from the same point.'],
      ko: ['DataLoader로 미니배치',
        'DataLoader(batch_size=5, shuffle=True)는 한 번에 5개씩 줍니다: epoch마다 업데이트가 1번이 아니라 4번이고, 경로에 하나하나 그려집니다. 전체 배치와 미니배치가 같은 시작점에서 출발합니다.'],
    },
  },
  {
    state: { ...RUN, mode: 'design', batch_size: 5 }, focus: null,
    en: ['The design matrix',
      'Add a column of ones to X: X = [1, x]. Then ŷ = X @ β with β = (b, w): the intercept becomes just another weight, and the model needs no separate + b.'],
    ko: ['설계 행렬 (design matrix)',
      'X에 1로 된 열을 붙입니다: X = [1, x]. 그러면 ŷ = X @ β, β = (b, w). 절편도 그냥 가중치 하나가 되어 + b를 따로 쓸 필요가 없습니다.'],
  },
  {
    state: { ...RUN, mode: 'linear', batch_size: 5 }, focus: null,
    en: ['nn.Linear',
      'torch.nn.Linear(1, 1) holds w (weight) and b (bias) for us; model.parameters() hands both to the optimizer. Same loss, same steps — only less code.'],
    ko: ['nn.Linear',
      'torch.nn.Linear(1, 1)이 w(weight)와 b(bias)를 대신 들고 있고, model.parameters()가 둘을 옵티마이저에 넘깁니다. 손실도 업데이트도 같고 코드만 짧아집니다.'],
    setup: {
      en: ['nn.Linear',
        'torch.nn.Linear(1, 1) holds w (weight) and b (bias) for us; model.parameters() hands both to the optimizer.'],
      ko: ['nn.Linear',
        'torch.nn.Linear(1, 1)이 w(weight)와 b(bias)를 대신 들고 있고, model.parameters()가 둘을 옵티마이저에 넘깁니다.'],
    },
  },
  {
    state: { ...RUN, mode: 'sgd', lr: 0.01 }, focus: 'loss',
    en: ['Learning rate: too small (0.01)',
      'Tiny steps: after 100 epochs the loss is still falling and the line is not there yet. Nothing breaks — it is just slow.'],
    ko: ['학습률: 너무 작을 때 (0.01)',
      '보폭이 너무 작습니다: 100 epoch이 지나도 손실이 아직 내려가는 중이고 직선도 덜 맞았습니다. 망가지진 않지만 느립니다.'],
    setup: {
      en: ['Learning rate 0.01',
        'The same data and start; the learning rate is now 0.01, a tenth of the lesson’s 0.1. 100 epochs.'],
      ko: ['학습률 0.01',
        '같은 데이터, 같은 시작점. 학습률은 이제 0.01로, 원문이 쓴 0.1의 10분의 1입니다. 100 epoch.'],
    },
  },
  {
    state: { ...RUN, mode: 'sgd', lr: 0.1 }, focus: 'loss',
    en: ['Learning rate: good (0.1)',
      'The lesson’s choice. The loss drops fast and levels off at the least-squares loss (dashed line) within a few dozen epochs.'],
    ko: ['학습률: 적당할 때 (0.1)',
      '원문이 쓴 값입니다. 손실이 빠르게 떨어져 몇십 epoch 안에 최소제곱 손실(점선)에 붙습니다.'],
    setup: {
      en: ['Learning rate 0.1',
        'The lesson’s own value, 0.1, for 100 epochs from the same start. The dashed line is the least-squares loss: no line can go lower.'],
      ko: ['학습률 0.1',
        '원문이 쓴 값 0.1로, 같은 시작점에서 100 epoch. 점선은 최소제곱 손실입니다: 어떤 직선도 그보다 낮아질 수 없습니다.'],
    },
  },
  {
    state: { ...RUN, mode: 'sgd', lr: 0.5, log: true }, at: 4, focus: 'contour', // the zig-zag, before the numbers explode
    en: ['Learning rate: too large (0.5)',
      'Each step jumps over the valley and lands higher on the other side. The loss grows every epoch until it is infinite: the run diverges.'],
    ko: ['학습률: 너무 클 때 (0.5)',
      '한 걸음마다 골짜기를 건너뛰어 반대편 더 높은 곳에 떨어집니다. 손실이 epoch마다 커져 결국 무한대가 됩니다: 발산입니다.'],
    setup: {
      en: ['Learning rate 0.5',
        'The same data and start; the learning rate is now 0.5, five times the lesson’s 0.1. The loss curve is on a log scale.'],
      ko: ['학습률 0.5',
        '같은 데이터, 같은 시작점. 학습률은 이제 0.5로, 원문이 쓴 0.1의 다섯 배입니다. 손실 곡선은 로그 눈금입니다.'],
    },
  },
];
