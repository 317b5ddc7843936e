// compare() and describe(): the rules that decide what an edit does to a
// running program, and how that is said.
#include "softpatch/changes/code_changes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

using softpatch::CodeChanges;
using softpatch::CodeFingerprint;
using softpatch::CodeKind;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;

CodeFingerprint piece(CodeKind kind, const std::string& name, const std::string& hash,
                      const std::string& detail = "") {
  return {kind, "key:" + name, name, detail, hash};
}

TEST(CodeChanges, EqualCodeIsNoChange) {
  std::vector<CodeFingerprint> code = {piece(CodeKind::kFunction, "f()", "1"),
                                       piece(CodeKind::kConstructor, "S::S()", "2")};
  CodeChanges changes = softpatch::compare(code, code);
  EXPECT_TRUE(changes.none());
}

TEST(CodeChanges, FunctionsChangeComeAndGo) {
  CodeChanges changes = softpatch::compare(
      {piece(CodeKind::kFunction, "f()", "1"), piece(CodeKind::kFunction, "gone()", "2")},
      {piece(CodeKind::kFunction, "f()", "9"), piece(CodeKind::kFunction, "new_one()", "3")});
  EXPECT_THAT(changes.changed, ElementsAre("f()"));
  EXPECT_THAT(changes.added, ElementsAre("new_one()"));
  EXPECT_THAT(changes.removed, ElementsAre("gone()"));
  EXPECT_FALSE(changes.refusal);
  EXPECT_EQ(softpatch::describe(changes), "1 changed (f), 1 added (new_one), 1 removed (gone)");
}

TEST(CodeChanges, WhatIsNotPatchedLiveIsRefusedWhenItChangesOrGoes) {
  EXPECT_THAT(softpatch::compare({piece(CodeKind::kConstructor, "S::S(int)", "1")},
                                 {piece(CodeKind::kConstructor, "S::S(int)", "2")})
                  .refusal,
              Optional(std::string("constructor S::S(int) changed: this build gave constructors "
                                   "no slot: restart needed")));
  EXPECT_THAT(softpatch::compare({piece(CodeKind::kDestructor, "S::~S()", "1")}, {}).refusal,
              Optional(HasSubstr("destructor S::~S() was removed")));
  EXPECT_THAT(softpatch::compare({piece(CodeKind::kUnpatchable, "log(const char *, ...)", "1",
                                        "C variadic function")},
                                 {piece(CodeKind::kUnpatchable, "log(const char *, ...)", "2")})
                  .refusal,
              Optional(std::string("log(const char *, ...) changed: a C variadic function is not "
                                   "patched live: restart needed")));
}

TEST(CodeChanges, TheRunningKindDecides) {
  // The build gave f no slot (a macro made it); the edit's parse would.
  CodeChanges changes = softpatch::compare(
      {piece(CodeKind::kUnpatchable, "f()", "1", "function produced by a macro")},
      {piece(CodeKind::kFunction, "f()", "2")});
  EXPECT_THAT(changes.refusal, Optional(HasSubstr("f() changed: a function produced by a macro")));
}

TEST(CodeChanges, AFunctionWithASlotIsRefusedWhenTheEditLeavesItNone) {
  // `~W() { log(); }` edited to `~W() = default;`: nothing would switch it.
  CodeChanges defaulted =
      softpatch::compare({piece(CodeKind::kFunction, "W::~W()", "1")},
                         {piece(CodeKind::kUnpatchable, "W::~W()", "2", "defaulted function")});
  EXPECT_THAT(defaulted.refusal,
              Optional(HasSubstr("W::~W() changed: as edited, a defaulted function is not "
                                 "patched live: restart needed")));
  EXPECT_THAT(defaulted.changed, IsEmpty());
  // `int twice(int)` made constexpr: compiled into its callers, other files' too.
  CodeChanges inlined = softpatch::compare({piece(CodeKind::kFunction, "twice(int)", "1")},
                                           {piece(CodeKind::kInline, "twice(int)", "2")});
  EXPECT_THAT(inlined.refusal,
              Optional(HasSubstr("twice(int) changed: as edited, code compiled into each caller")));
}

TEST(CodeChanges, AClassLayoutMayNotChangeButMayComeAndGo) {
  EXPECT_THAT(softpatch::compare({piece(CodeKind::kLayout, "Shape", "1")},
                                 {piece(CodeKind::kLayout, "Shape", "2")})
                  .refusal,
              Optional(std::string("class Shape changed its layout: objects that exist have the "
                                   "old one: restart needed")));
  EXPECT_TRUE(softpatch::compare({piece(CodeKind::kLayout, "Shape", "1")}, {}).none());
  EXPECT_TRUE(softpatch::compare({}, {piece(CodeKind::kLayout, "Extra", "1")}).none());
}

TEST(CodeChanges, AnAddedConstructorIsNewCodeNotARefusal) {
  CodeChanges changes = softpatch::compare({}, {piece(CodeKind::kConstructor, "S::S(long)", "1")});
  EXPECT_FALSE(changes.refusal);
  EXPECT_THAT(changes.added, ElementsAre("S::S(long)"));
}

TEST(CodeChanges, AChangedInitialiserKeepsItsValueAndSaysSo) {
  CodeChanges changes = softpatch::compare({piece(CodeKind::kInitialiser, "limit", "1")},
                                           {piece(CodeKind::kInitialiser, "limit", "2")});
  EXPECT_FALSE(changes.refusal);
  EXPECT_FALSE(changes.none());
  EXPECT_THAT(changes.kept_values, ElementsAre("limit"));
  EXPECT_EQ(softpatch::describe(changes), "no function changed");
  EXPECT_THAT(softpatch::kept_value_notes(changes),
              ElementsAre(HasSubstr("the running value of limit is kept")));
  EXPECT_TRUE(
      softpatch::compare({piece(CodeKind::kInitialiser, "limit", "1")}, {}).kept_values.empty());
  EXPECT_THAT(softpatch::compare({}, {piece(CodeKind::kInitialiser, "registered", "1")}).added,
              ElementsAre("registered"))
      << "a new variable's initialiser runs when the patch loads";
}

TEST(CodeChanges, OverloadsKeepTheirParametersAndLongListsAreCut) {
  std::vector<CodeFingerprint> running, edited;
  for (const char* name :
       {"get(int)", "get(long)", "Store::operator()(int) const", "a()", "b()", "c()", "d()"}) {
    running.push_back(piece(CodeKind::kFunction, name, "1"));
    edited.push_back(piece(CodeKind::kFunction, name, "2"));
  }
  EXPECT_EQ(softpatch::describe(softpatch::compare(running, edited)),
            "7 changed (get(int), get(long), Store::operator(), a, b, …)");
}

// What runs before a constructor's body is not patched: an initialiser of
// a constructor that runs may not change, come or go; a new or removed
// constructor brings or takes its own.
TEST(CodeChanges, AConstructorsInitialisersAreRefusedWhenTheyChangeComeOrGo) {
  auto initialiser = [](const std::string& member, const std::string& hash) {
    return CodeFingerprint{CodeKind::kConstructorInitialiser, "ctor-init:" + member + "@_ZN1SC1Ev",
                           member + " of S::S()", "", hash};
  };
  CodeFingerprint constructor{CodeKind::kFunction, "_ZN1SC1Ev", "S::S()", "", "1"};
  CodeFingerprint changed_body = constructor;
  changed_body.hash = "2";
  EXPECT_THAT(softpatch::compare({constructor, initialiser("n", "1")},
                                 {changed_body, initialiser("n", "2")})
                  .refusal,
              Optional(std::string("member initialiser n of S::S() changed: a patch replaces "
                                   "constructor bodies only, and objects that exist keep their "
                                   "members: restart needed")));
  EXPECT_THAT(softpatch::compare({constructor}, {changed_body, initialiser("n", "1")}).refusal,
              Optional(HasSubstr("member initialiser n of S::S() was added")));
  EXPECT_THAT(softpatch::compare({constructor, initialiser("n", "1")}, {changed_body}).refusal,
              Optional(HasSubstr("member initialiser n of S::S() was removed")));
  CodeChanges body_only = softpatch::compare({constructor, initialiser("n", "1")},
                                             {changed_body, initialiser("n", "1")});
  EXPECT_FALSE(body_only.refusal);
  EXPECT_THAT(body_only.changed, ElementsAre("S::S()"));
  CodeChanges gone = softpatch::compare({constructor, initialiser("n", "1")}, {});
  EXPECT_FALSE(gone.refusal);
  EXPECT_THAT(gone.removed, ElementsAre("S::S()"));
  CodeChanges brought = softpatch::compare({}, {constructor, initialiser("n", "1")});
  EXPECT_FALSE(brought.refusal);
  EXPECT_THAT(brought.added, ElementsAre("S::S()"));
  EXPECT_EQ(softpatch::constructor_of_initialiser("ctor-init:n@app.cpp:_ZN1SC1Ev"),
            "app.cpp:_ZN1SC1Ev");
}

// A header patches live only while the text outside its functions' bodies
// stays as the build's: it is compiled into every file that includes it.
TEST(CodeChanges, AHeadersDeclarationsChangedOrUnrecordedRefuse) {
  CodeFingerprint declarations{CodeKind::kDeclarations, "declarations:include/tally.h",
                               "the declarations of include/tally.h", "", "1"};
  CodeFingerprint body = piece(CodeKind::kFunction, "Tally::add(int)", "1");
  CodeFingerprint new_body = piece(CodeKind::kFunction, "Tally::add(int)", "2");
  CodeChanges bodies = softpatch::compare({declarations, body}, {declarations, new_body});
  EXPECT_FALSE(bodies.refusal);
  EXPECT_THAT(bodies.changed, ElementsAre("Tally::add(int)"));
  CodeFingerprint edited = declarations;
  edited.hash = "2";
  CodeChanges declared = softpatch::compare({declarations, body}, {edited, new_body});
  ASSERT_TRUE(declared.refusal);
  EXPECT_THAT(*declared.refusal,
              HasSubstr("the declarations of include/tally.h changed: what a header declares"));
  CodeChanges unrecorded = softpatch::compare({body}, {declarations, new_body});
  ASSERT_TRUE(unrecorded.refusal);
  EXPECT_THAT(*unrecorded.refusal, HasSubstr("has no record of the declarations"));
}

TEST(CodeChanges, KindsHaveWordsBothWays) {
  for (CodeKind kind :
       {CodeKind::kFunction, CodeKind::kConstructor, CodeKind::kDestructor, CodeKind::kMain,
        CodeKind::kUnpatchable, CodeKind::kInitialiser, CodeKind::kMemberInitialiser,
        CodeKind::kConstructorInitialiser, CodeKind::kLayout, CodeKind::kInline,
        CodeKind::kDeclarations, CodeKind::kLambda})
    EXPECT_EQ(softpatch::kind_from_word(softpatch::kind_word(kind)), kind);
  EXPECT_FALSE(softpatch::kind_from_word("closure"));
}

TEST(CodeChanges, ALambdaNowWhereAnotherWasIsRefused) {
  auto lambda = [](const std::string& place, const std::string& hash) {
    return CodeFingerprint{CodeKind::kLambda, "lambda:_Z3runv::lambda#" + place + "/2",
                           "run()::<lambda at line " + place + ">", "slot L" + place, hash};
  };
  CodeChanges swapped = softpatch::compare({lambda("0", "a"), lambda("1", "b")},
                                           {lambda("0", "b"), lambda("1", "a")});
  EXPECT_THAT(swapped.refusal,
              Optional(std::string("run()::<lambda at line 1> is now where run()::<lambda at line "
                                   "0> was: the closures made before the patch would run the "
                                   "other's body: restart needed")));
  // Edited in place, or a copy of another's text elsewhere: live.
  EXPECT_FALSE(
      softpatch::compare({lambda("0", "a"), lambda("1", "b")}, {lambda("0", "c"), lambda("1", "b")})
          .refusal);
}

TEST(CodeChanges, AChangedMemberOfALocalClassSaysObjectsMadeBeforeKeepTheOldOne) {
  auto member = [](const std::string& hash) {
    return CodeFingerprint{CodeKind::kFunction, "_ZZ5tallyiENK5Adder3addEi",
                           "tally(int)::Adder::add(int) const", softpatch::kLocalClassMember, hash};
  };
  CodeChanges changes = softpatch::compare({member("a")}, {member("b")});
  EXPECT_FALSE(changes.refusal);
  EXPECT_THAT(changes.changed, ElementsAre("tally(int)::Adder::add(int) const"));
  EXPECT_THAT(softpatch::old_closure_notes(changes),
              ElementsAre("objects made before the patch run the old tally(int)::Adder::add(int) "
                          "const (a class local to a function is the patch's own)"));
  EXPECT_THAT(softpatch::old_closure_notes(softpatch::compare({member("a")}, {member("a")})),
              ::testing::IsEmpty());
}

TEST(CodeChanges, ALambdaWhoseClosuresKeepTheOldBodyIsSaid) {
  auto lambda = [](const std::string& place, const std::string& hash, const std::string& detail) {
    return CodeFingerprint{CodeKind::kLambda, "lambda:" + place,
                           "run()::<lambda at line " + place + ">", detail, hash};
  };
  const std::string kGeneric = "generic lambda (part of its enclosing function)";
  CodeChanges changes = softpatch::compare(
      {lambda("1", "a", "slot L1(int) const [n: int]"), lambda("2", "b", kGeneric),
       lambda("3", "c", "slot L3(int) const"), lambda("4", "d", "slot L4(int) const [n: int]"),
       lambda("5", "e", "slot L5() const"), lambda("6", "f", kGeneric),
       lambda("7", "g", "slot L7() const [n: int, s: std::string &]"),
       lambda("8", "h", "slot L8() const")},
      {lambda("1", "A", "slot L1(int) const [n: int]"), lambda("2", "B", kGeneric),
       lambda("3", "C", kGeneric), lambda("4", "D", "slot L4(long) const [n: int]"),
       lambda("6", "f", kGeneric), lambda("7", "G", "slot L7() const [s: std::string &, n: int]"),
       lambda("8", "H", "slot L8() const [n: int]")});
  EXPECT_FALSE(changes.refusal);
  EXPECT_TRUE(changes.changed.empty());  // its enclosing function's piece says that
  EXPECT_THAT(softpatch::old_closure_notes(changes),
              ElementsAre("closures of run()::<lambda at line 2> made before the patch run its old "
                          "body (a generic lambda has no slot of its own)",
                          "closures of run()::<lambda at line 3> made before the patch run its old "
                          "body (as edited, a generic lambda has no slot of its own)",
                          "closures of run()::<lambda at line 4> made before the patch run its old "
                          "body (its parameters changed)",
                          "closures of run()::<lambda at line 7> made before the patch run its old "
                          "body (its captures changed)",
                          "closures of run()::<lambda at line 8> made before the patch run its old "
                          "body (its captures changed)",
                          "closures of run()::<lambda at line 5> made before the patch run its old "
                          "body (it moved or went)"));
}

}  // namespace
