#include "host/store/StepTransaction.h"

#include "host/store/Database.h"

namespace orderhost::store {

StepTransaction::~StepTransaction() { rollback(); }

Poco::Data::Session& StepTransaction::session() {
    if (!session_) {
        Poco::Data::Session s = db_.session();
        try {
            s.setFeature("autoCommit", false);  // Poco's begin() refuses in autocommit mode
            s.begin();
        } catch (...) {
            Database::restoreAutoCommit(s);
            db_.rethrowAsStoreError("begin step transaction");
        }
        session_.emplace(std::move(s));
    }
    return *session_;
}

void StepTransaction::commit() {
    if (!session_) return;
    try {
        session_->commit();
    } catch (...) {
        rollback();
        db_.rethrowAsStoreError("commit step transaction");
    }
    Database::restoreAutoCommit(*session_);
    session_.reset();
}

void StepTransaction::rollback() noexcept {
    if (!session_) return;
    Database::rollbackQuietly(*session_);
    Database::restoreAutoCommit(*session_);
    session_.reset();
}

}  // namespace orderhost::store
