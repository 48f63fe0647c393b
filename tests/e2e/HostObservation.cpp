#include "HostObservation.h"

#include <Poco/Data/ODBC/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Thread.h>
#include <gtest/gtest.h>

#include <sstream>

namespace orderhost::testing {

using Poco::JSON::Object;

Object::Ptr parseObject(const std::string& json) { return Poco::JSON::Parser().parse(json).extract<Object::Ptr>(); }

Object::Ptr waitForOrder(const HostProcess& host, const std::string& ref,
                         const std::function<bool(const Object::Ptr&)>& done, const std::string& what, int timeoutMs) {
    Object::Ptr order;
    for (int waited = 0; waited < timeoutMs; waited += 50) {
        const HttpReply reply = host.get("/v1/orders?order_ref=" + ref);
        if (reply.status == 200 && done(order = parseObject(reply.body))) return order;
        Poco::Thread::sleep(50);
    }
    if (!order) {
        ADD_FAILURE() << ref << " never " << what << ": no such order";
        return order;
    }
    // The step runs say why it stopped elsewhere: step, outcome, code and message of each.
    const Poco::JSON::Array::Ptr steps = order->getArray("steps");
    std::ostringstream history;
    for (unsigned i = 0; steps && i < steps->size(); ++i) {
        const Object::Ptr run = steps->getObject(i);
        history << "\n  " << run->optValue<std::string>("step", "") << " " << run->optValue<std::string>("outcome", "")
                << " " << run->optValue<std::string>("code", "") << " " << run->optValue<std::string>("message", "");
    }
    ADD_FAILURE() << ref << " never " << what << "; it is " << order->getValue<std::string>("state") << " at step "
                  << order->optValue<int>("current_step", -1) << "; its step runs:" << history.str();
    return order;
}

Object::Ptr waitForState(const HostProcess& host, const std::string& ref, const std::string& state, int timeoutMs) {
    return waitForOrder(
        host, ref, [&](const Object::Ptr& o) { return o->getValue<std::string>("state") == state; }, "became " + state,
        timeoutMs);
}

Object::Ptr waitHeldAt(const HostProcess& host, const std::string& ref, const std::string& step,
                       const std::string& signal, int timeoutMs) {
    return waitForOrder(
        host, ref,
        [&](const Object::Ptr& o) {
            Poco::JSON::Array::Ptr steps = o->getArray("steps");
            return o->getValue<std::string>("state") == "on_hold" &&
                   o->optValue<std::string>("awaiting_signal", "") == signal && steps->size() > 0 &&
                   steps->getObject(steps->size() - 1)->getValue<std::string>("step") == step;
        },
        "was held at " + step + " for " + signal, timeoutMs);
}

std::vector<Object::Ptr> feedEvents(const HostProcess& host, const std::string& orderId, const std::string& type,
                                    std::size_t expected) {
    std::vector<Object::Ptr> found;
    for (int waited = 0; waited < 30000; waited += 50) {
        found.clear();
        const Poco::JSON::Array::Ptr all = parseObject(host.get("/v1/events?limit=1000").body)->getArray("events");
        for (unsigned i = 0; i < all->size(); ++i) {
            const Object::Ptr event = all->getObject(i);
            if (event->getValue<std::string>("order_id") == orderId && event->getValue<std::string>("type") == type)
                found.push_back(event);
        }
        if (found.size() >= expected) break;
        Poco::Thread::sleep(50);
    }
    return found;
}

namespace {

Poco::Data::Session openSession(const std::string& connection) {
    Poco::Data::ODBC::Connector::registerConnector();
    return Poco::Data::Session("ODBC", connection);
}

}  // namespace

std::vector<std::string> DatabaseRows::column(const std::string& sql, const std::string& parameter) const {
    Poco::Data::Session session = openSession(connection_);
    std::vector<std::string> values;
    std::string bound = parameter;
    Poco::Data::Statement statement(session);
    statement << sql, Poco::Data::Keywords::into(values);
    if (sql.find('?') != std::string::npos) statement, Poco::Data::Keywords::use(bound);
    statement.execute();
    return values;
}

std::int64_t DatabaseRows::number(const std::string& sql, const std::string& parameter) const {
    Poco::Data::Session session = openSession(connection_);
    std::vector<Poco::Int64> values;
    std::string bound = parameter;
    Poco::Data::Statement statement(session);
    statement << sql, Poco::Data::Keywords::into(values);
    if (sql.find('?') != std::string::npos) statement, Poco::Data::Keywords::use(bound);
    statement.execute();
    if (values.size() != 1) {
        ADD_FAILURE() << values.size() << " rows (expected one) from: " << sql;
        return -1;
    }
    return values.front();
}

}  // namespace orderhost::testing
