"""Messages of operator accounts, sign-in, sessions, sealed job secrets and the purge
(see :mod:`commissioner.messages`)."""

from __future__ import annotations

from typing import Final

from commissioner.messages.entry import Message

_LOGIN_AGAIN = ("Sign in again with `commissioner login`.",
                "`commissioner login` でもう一度サインインしてください。")
_ASK_RESET = ("Ask an administrator to reset your password; that also lifts the lockout.",
              "管理者にパスワードのリセットを依頼してください（ロックも解除されます）。")
_RESTORE = ("Restore the account file from a backup (keep this one for analysis), or ask "
            "an administrator.",
            "アカウントファイルをバックアップから戻し（このファイルは調査用に残してくださ"
            "い）、または管理者に相談してください。")

OPERATOR_MESSAGES: Final[dict[str, Message]] = {
    # -- who may start what -----------------------------------------------------------------
    "signin.required": Message(
        "sign in first: {workflow} needs an operator with the role {roles}",
        "先にサインインしてください。{workflow} にはロール {roles} を持つオペレーターが必要です。",
        "Run `commissioner login` (or set {env} to a session token), or sign in in the "
        "app's sign-in window.",
        "`commissioner login` を実行する（または {env} にセッショントークンを設定する）か、"
        "アプリのサインイン画面でサインインしてください。",
    ),
    "signin.role-lacks-workflow": Message(
        "{username} may not start {workflow}: it needs the role {roles} (yours: {yours})",
        "{username} は {workflow} を開始できません。必要なロールは {roles} です（あなたのロール: "
        "{yours}）。",
        "Ask an administrator to give you the {roles} role, or sign in as an operator who "
        "has it.",
        "管理者にロール {roles} の付与を依頼するか、そのロールを持つオペレーターとしてサイン"
        "インしてください。",
    ),
    "signin.no-enrol-key": Message(
        "{username} holds no key to enrol operators",
        "{username} はオペレーターを登録するための鍵を持っていません。",
        "Sign in with your own password (not the training account), then try again.",
        "訓練用アカウントではなく自分のパスワードでサインインしてから、やり直してください。",
    ),
    # -- sign-in ----------------------------------------------------------------------------
    "signin.wrong-password": Message(
        "wrong user name or password",
        "ユーザー名またはパスワードが違います。",
        "Check the user name and the password (letters are case-sensitive); after "
        "repeated failures the account is locked for a while.",
        "ユーザー名とパスワードを確かめてください（大文字と小文字は区別されます）。失敗が続くと"
        "アカウントはしばらくロックされます。",
    ),
    "signin.now-locked": Message(
        "wrong user name or password; {username} is now locked for {seconds} s after "
        "{failures} failed sign-ins",
        "ユーザー名またはパスワードが違います。{failures} 回続けて失敗したため、{username} は "
        "{seconds} 秒間ロックされました。",
        "Wait until {until} UTC and sign in with the right password, or ask an administrator "
        "to reset your password.",
        "{until} UTC まで待ってから正しいパスワードでサインインするか、管理者にパスワードの"
        "リセットを依頼してください。",
    ),
    "signin.locked": Message(
        "{username} is locked after {failures} failed sign-ins; try again in {seconds} s "
        "(at {until} UTC)",
        "{failures} 回続けてサインインに失敗したため、{username} はロックされています。"
        "{seconds} 秒後（{until} UTC）にやり直してください。",
        "Wait until {until} UTC, or ask an administrator to reset your password; that also "
        "lifts the lockout.",
        "{until} UTC まで待つか、管理者にパスワードのリセットを依頼してください（ロックも解除"
        "されます）。",
    ),
    "signin.disabled": Message(
        "the operator {username} is disabled",
        "オペレーター {username} は無効にされています。",
        "Ask an administrator to enable the account again.",
        "管理者にアカウントを再び有効にするよう依頼してください。",
    ),
    "signin.slot-unopened": Message(
        "the key slot of {username} does not open with this computer's keyring",
        "{username} の鍵スロットがこのコンピューターのキーリングで開けません。",
        "The account file or the keyring comes from another computer or was changed. "
        + _ASK_RESET[0],
        "アカウントファイルかキーリングが別のコンピューターのものか、変更されています。"
        + _ASK_RESET[1],
    ),
    "signin.must-change-password": Message(
        "{username} must choose a new password first",
        "{username} は先に新しいパスワードを決める必要があります。",
        "Run `commissioner operator passwd` (or sign in in the app, which asks for it).",
        "`commissioner operator passwd` を実行してください（アプリでサインインしても求めら"
        "れます）。",
    ),
    # -- session tokens ---------------------------------------------------------------------
    "session.invalid": Message(
        "the session token is not valid on this computer (altered, or made with another "
        "keyring)",
        "セッショントークンはこのコンピューターでは無効です（改変されたか、別のキーリングで"
        "作られました）。",
        *_LOGIN_AGAIN,
    ),
    "session.expired": Message(
        "the session of {username} expired at {expired} UTC",
        "{username} のセッションは {expired} UTC に期限切れになりました。",
        *_LOGIN_AGAIN,
    ),
    "session.token-unreadable": Message(
        "cannot read the session token file {path}: {reason}",
        "セッショントークンのファイル {path} を読み込めません（{reason}）。",
        "Sign in with `commissioner login`, or set {env} to a token file you may read.",
        "`commissioner login` でサインインするか、{env} に読み取れるトークンファイルを設定して"
        "ください。",
    ),
    "session.other-store": Message(
        "the session token belongs to another operator store",
        "セッショントークンは別のオペレーター台帳のものです。",
        *_LOGIN_AGAIN,
    ),
    "session.ended": Message(
        "the session of {username} ended (password changed or reset)",
        "{username} のセッションは終了しました（パスワードが変更またはリセットされました）。",
        *_LOGIN_AGAIN,
    ),
    "session.too-long": Message(
        "a session lasts at most {hours} hours",
        "セッションの長さは最長 {hours} 時間です。",
        "Give --hours a value above 0 and at most {hours}.",
        "--hours には 0 より大きく {hours} 以下の値を指定してください。",
    ),
    "session.nobody": Message(
        "nobody is signed in",
        "誰もサインインしていません。",
        "Run `commissioner login`.",
        "`commissioner login` を実行してください。",
    ),
    # -- administration ---------------------------------------------------------------------
    "operator.already-set-up": Message(
        "this installation already has operators; an administrator adds more",
        "このインストールにはすでにオペレーターがいます。追加は管理者が行います。",
        "Sign in as an administrator and add the operator (`commissioner operator add`).",
        "管理者としてサインインし、オペレーターを追加してください（`commissioner operator add`）。",
    ),
    "operator.invalid": Message(
        "{detail}",
        "入力値が正しくありません（{detail}）。",
        "Correct the value and try again.",
        "値を直してから、やり直してください。",
    ),
    "operator.bad-username": Message(
        "a user name is 1-32 letters, digits or . _ -",
        "ユーザー名は 1〜32 文字の英字、数字または . _ - で指定してください。",
        "Choose a user name of that form (letters are stored in lower case).",
        "その形のユーザー名を選んでください（英字は小文字で保存されます）。",
    ),
    "operator.unknown-role": Message(
        "unknown role '{role}' (one of: {roles})",
        "ロール '{role}' はありません（選べるロール: {roles}）。",
        "Give one or more of: {roles}.",
        "次の中から一つ以上指定してください: {roles}",
    ),
    "operator.no-role": Message(
        "an operator needs at least one role",
        "オペレーターには少なくとも一つのロールが必要です。",
        "Choose the roles the person's work needs.",
        "その人の作業に必要なロールを選んでください。",
    ),
    "operator.password-too-short": Message(
        "a password needs at least {count} characters",
        "パスワードは {count} 文字以上にしてください。",
        "Choose a longer password; a phrase of several words is easy to remember.",
        "もっと長いパスワードを選んでください。いくつかの単語をつなげた文は覚えやすくなります。",
    ),
    "operator.password-too-long": Message(
        "a password has at most {count} characters",
        "パスワードは {count} 文字以下にしてください。",
        "Choose a shorter password.",
        "もっと短いパスワードを選んでください。",
    ),
    "operator.not-found": Message(
        "no operator '{username}'",
        "オペレーター '{username}' はいません。",
        "List the operators with `commissioner operator list` and use one of those names.",
        "`commissioner operator list` で一覧を表示し、その中の名前を使ってください。",
    ),
    "operator.exists": Message(
        "the operator {username} exists already",
        "オペレーター {username} はすでにいます。",
        "Choose another user name, or reset that operator's password.",
        "別のユーザー名を選ぶか、そのオペレーターのパスワードをリセットしてください。",
    ),
    "operator.last-administrator": Message(
        "the last administrator cannot be disabled",
        "最後の管理者は無効にできません。",
        "Add another administrator first.",
        "先に別の管理者を追加してください。",
    ),
    "operator.disable-self": Message(
        "you cannot disable your own account",
        "自分のアカウントは無効にできません。",
        "Ask another administrator to disable it.",
        "別の管理者に無効化を依頼してください。",
    ),
    "operator.same-password": Message(
        "the new password must differ from the old one",
        "新しいパスワードは古いパスワードと違うものにしてください。",
        "Choose a new password you have not used for this account.",
        "このアカウントで使っていない新しいパスワードを選んでください。",
    ),
    "operator.password-stdin-short": Message(
        "--password-stdin needs {count} line(s) on stdin",
        "--password-stdin には標準入力に {count} 行が必要です。",
        "Give one password per line on standard input, in the order the command asks.",
        "標準入力にパスワードを 1 行に 1 つずつ、コマンドが求める順に渡してください。",
    ),
    "operator.passwords-differ": Message(
        "the two new passwords differ",
        "2 回入力した新しいパスワードが一致しません。",
        "Type the same password twice.",
        "同じパスワードを 2 回入力してください。",
    ),
    # -- the account file -------------------------------------------------------------------
    "operators.anchor-unreadable": Message(
        "the operator store's record in the OS keyring is unreadable; the accounts cannot "
        "be checked",
        "OS のキーリングにあるオペレーター台帳の記録が読めないため、アカウントを確認できません。",
        "Restore the keyring from a backup, or ask an administrator.",
        "キーリングをバックアップから戻すか、管理者に相談してください。",
    ),
    "operators.vanished": Message(
        "the operator store {path} has vanished; this computer's keyring records one there",
        "オペレーター台帳 {path} がなくなっています。このコンピューターのキーリングには"
        "そこにあると記録されています。",
        "Restore the account file from a backup.",
        "アカウントファイルをバックアップから戻してください。",
    ),
    "operators.unreadable": Message(
        "cannot read {path}: {reason}",
        "{path} を読み込めません（{reason}）。",
        "Check that the file exists and that you may read it, then try again.",
        "ファイルがあり、読み取り権限があることを確かめてから、やり直してください。",
    ),
    "operators.unknown": Message(
        "the operator store {path} is not known to this computer's keyring: it cannot be "
        "checked and is refused",
        "オペレーター台帳 {path} はこのコンピューターのキーリングに記録がないため、確認できず"
        "拒否しました。",
        "Restore the keyring, or move the file away to start over with a new administrator.",
        "キーリングを戻すか、ファイルを移動して新しい管理者から始め直してください。",
    ),
    "operators.damaged": Message(
        "the operator store {path} is damaged",
        "オペレーター台帳 {path} が壊れています。",
        *_RESTORE,
    ),
    "operators.altered": Message(
        "the operator store {path} was altered (its seal does not match); it is refused",
        "オペレーター台帳 {path} は改ざんされています（封印が一致しません）。拒否しました。",
        *_RESTORE,
    ),
    "operators.replaced": Message(
        "the operator store {path} was replaced by another",
        "オペレーター台帳 {path} は別の台帳に置き換えられています。",
        *_RESTORE,
    ),
    "operators.older-copy": Message(
        "the operator store {path} is an older copy (generation {found} < {expected})",
        "オペレーター台帳 {path} は古い写しです（世代 {found} < {expected}）。",
        "Restore the newest copy of the account file.",
        "アカウントファイルの最新の写しを戻してください。",
    ),
    "keyring.item-damaged": Message(
        "the keyring item {name} is damaged",
        "キーリングの項目 {name} が壊れています。",
        "Restore the keyring from a backup.",
        "キーリングをバックアップから戻してください。",
    ),
    # -- sealed and purged job secrets ------------------------------------------------------
    "secrets.sealed": Message(
        "this job's secrets are sealed: sign in as an operator whose role needs them",
        "このジョブの秘密情報は封印されています。それを必要とするロールのオペレーターとして"
        "サインインしてください。",
        "Sign in (`commissioner login`, or the app's sign-in window) as an installer, resale "
        "technician or support operator.",
        "施工者、再販技術者またはサポートのオペレーターとしてサインインしてください"
        "（`commissioner login` またはアプリのサインイン画面）。",
    ),
    "secrets.sealed-training": Message(
        "this job's secrets are sealed: sign in as an operator whose role needs them (they "
        "were made in training mode)",
        "このジョブの秘密情報は封印されています（訓練モードで作られました）。それを必要とする"
        "ロールのオペレーターとしてサインインしてください。",
        "Open the job at the training site, signed in as the trainee or an installer, resale "
        "technician or support operator.",
        "訓練用の現場で、訓練生または施工者・再販技術者・サポートのオペレーターとして"
        "サインインして開いてください。",
    ),
    "secrets.key-mismatch": Message(
        "job {job_id}: the signed-in operator's key does not open this job's key (another "
        "installation, or the key was altered)",
        "ジョブ {job_id}: サインイン中のオペレーターの鍵ではこのジョブの鍵を開けません（別の"
        "インストールのものか、鍵が改変されています）。",
        "Open the job on the installation that made it, or ask support for its bundle.",
        "ジョブを作ったインストールで開くか、サポートにジョブの束を依頼してください。",
    ),
    "secrets.purged": Message(
        "job {job_id}: its secrets ({name}) were purged from this laptop on {date} after "
        "they were escrowed with the support organisation",
        "ジョブ {job_id} の秘密情報（{name}）は、サポート組織への預け入れの後 {date} にこの"
        "ノート PC から消去されました。",
        "Ask support: they hold the job bundle with the home's credentials.",
        "サポートに依頼してください。住宅の認証情報を含むジョブの束を保管しています。",
    ),
    # -- purge ------------------------------------------------------------------------------
    "purge.not-handed-over": Message(
        "job {job_id} is not handed over; its secrets are still in use",
        "ジョブ {job_id} はまだ引き渡されていません。秘密情報は使用中です。",
        "Hand the home over and export the job to the support organisation first; only a "
        "handed-over, exported job can be purged.",
        "先に引き渡しを済ませ、ジョブをサポート組織へ書き出してください。消去できるのは"
        "引き渡し済みで書き出したジョブだけです。",
    ),
    "purge.nothing-left": Message(
        "job {job_id} holds no secrets on this laptop (already purged)",
        "ジョブ {job_id} の秘密情報はこのノート PC にありません（消去済みです）。",
    ),
    "purge.not-escrowed": Message(
        "job {job_id}'s secrets are not escrowed: they exist only on this laptop, so they "
        "are not removed",
        "ジョブ {job_id} の秘密情報は預け入れられておらず、このノート PC にしかないため消去"
        "しません。",
        "Export the job with its credentials to the support organisation first "
        "(`commissioner job export --job ID --to SUPPORT-CARD --out FILE`).",
        "先にジョブを認証情報ごとサポート組織へ書き出してください"
        "（`commissioner job export --job ID --to SUPPORT-CARD --out FILE`）。",
    ),
    "purge.escrow-incomplete": Message(
        "job {job_id} holds {held} credentials but its last escrow carried {carried}; they "
        "are not removed",
        "ジョブ {job_id} には認証情報が {held} 件ありますが、最後の預け入れには {carried} 件"
        "しか含まれていないため消去しません。",
        "Export the job with its credentials to the support organisation again, then purge.",
        "ジョブを認証情報ごとサポート組織へもう一度書き出してから、消去してください。",
    ),
}
