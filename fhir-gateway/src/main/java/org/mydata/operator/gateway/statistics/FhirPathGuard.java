package org.mydata.operator.gateway.statistics;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeChildChoiceDefinition;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.fhirpath.ExpressionNode;
import org.hl7.fhir.r4.fhirpath.ExpressionNode.Function;
import org.hl7.fhir.r4.fhirpath.ExpressionNode.Kind;
import org.hl7.fhir.r4.fhirpath.ExpressionNode.Operation;
import org.hl7.fhir.r4.fhirpath.FHIRPathUtilityClasses.FHIRConstant;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.StringType;
import org.mydata.operator.failure.InvalidRequestException;

/**
 * Checks a parsed FHIRPath expression against HAPI's R4 resource definitions before it may run, so that a
 * misspelt path is a 400 naming it rather than a silently empty column, and keeps expressions to a safe
 * subset: no {@code resolve()}, {@code trace()}, {@code extension()}, {@code children()},
 * {@code descendants()}, no clock ({@code today()}, {@code now()}), no regular expressions ({@code matches()},
 * {@code replaceMatches()}: a crafted pattern backtracks for ever), no external constants but
 * {@code %ucum}, {@code %sct} and {@code %loinc}, no step into an element that could say who a person
 * is ({@link #HIDDEN_ELEMENTS}, {@link #HIDDEN_TYPES}), and no key of a person or resource ({@code id},
 * {@code Reference.reference}, {@code getResourceKey()}, {@code getReferenceKey()}): a pseudonym in a group
 * column would make every cell one person, and a key joins nothing a request needs (the service joins a
 * person's views itself).
 *
 * <p>The walk follows the element types as far as the definitions tell them; where an expression leaves
 * FHIR's types (a count, a comparison) it only knows the FHIRPath system type, and a path cannot go on
 * from there.
 */
final class FhirPathGuard {
    /**
     * Elements a view may never reach. The service hands the views de-identified resources that carry none
     * of them anyway; refusing them here means a request cannot even ask.
     */
    static final Set<String> HIDDEN_ELEMENTS = Set.of("identifier", "name", "address", "telecom", "text", "note",
            "photo", "contact", "extension", "modifierExtension", "contained");
    /** Data types that name, locate or describe a person in words, wherever they occur. */
    static final Set<String> HIDDEN_TYPES = Set.of("Identifier", "HumanName", "Address", "ContactPoint", "Narrative",
            "Annotation", "Attachment", "Signature");
    static final Set<String> CONSTANTS = Set.of("%ucum", "%sct", "%loinc");
    static final String NO_KEYS = "person and resource keys are not available to statistical requests";

    private static final Set<Function> KEEP_FOCUS = EnumSet.of(Function.Where, Function.First, Function.Last,
            Function.Tail, Function.Skip, Function.Take, Function.Single, Function.Distinct, Function.Intersect,
            Function.Exclude);
    private static final Set<Function> TO_BOOLEAN = EnumSet.of(Function.Empty, Function.Not, Function.Exists,
            Function.All, Function.AllTrue, Function.AnyTrue, Function.AllFalse, Function.AnyFalse, Function.HasValue,
            Function.IsDistinct, Function.SubsetOf, Function.SupersetOf, Function.StartsWith, Function.EndsWith,
            Function.Contains, Function.Is, Function.ConvertsToBoolean, Function.ConvertsToInteger,
            Function.ConvertsToString, Function.ConvertsToDecimal, Function.ConvertsToQuantity,
            Function.ConvertsToDateTime, Function.ConvertsToDate, Function.ConvertsToTime, Function.ToBoolean);
    private static final Set<Function> TO_STRING = EnumSet.of(Function.Upper, Function.Lower, Function.Substring,
            Function.Replace, Function.Trim, Function.ToString);
    private static final Set<Function> TO_INTEGER = EnumSet.of(Function.Count, Function.Length, Function.IndexOf,
            Function.ToInteger);
    private static final Set<Function> TO_DECIMAL = EnumSet.of(Function.ToDecimal, Function.Round, Function.Abs,
            Function.Ceiling, Function.Floor, Function.Truncate, Function.Sqrt, Function.Exp, Function.Ln, Function.Log,
            Function.Power);
    /** Functions whose parameters are evaluated once per item of the input, with the item as {@code $this}. */
    private static final Set<Function> ITERATING = EnumSet.of(Function.Where, Function.Select, Function.All,
            Function.Exists);

    /** System types a walk can end in, as FHIRPath names them. */
    enum SystemType { BOOLEAN, STRING, INTEGER, DECIMAL, DATE_TIME, ANY }

    /**
     * What an expression yields, as far as known: FHIR element definitions, or a FHIRPath system type.
     */
    record Focus(Set<BaseRuntimeElementDefinition<?>> elements, SystemType system) {
        static Focus of(BaseRuntimeElementDefinition<?> element) {
            return new Focus(Set.of(element), null);
        }

        static Focus system(SystemType type) {
            return new Focus(Set.of(), type);
        }

        /** The FHIR type names (e.g. {@code date}, {@code Quantity}), or the system type's. */
        Set<String> typeNames() {
            if (system != null) {
                return Set.of("System." + system.name());
            }
            return elements.stream().map(BaseRuntimeElementDefinition::getName).collect(Collectors.toCollection(LinkedHashSet::new));
        }

        boolean primitive() {
            return system != null || elements.stream().allMatch(e -> e.getChildType() == BaseRuntimeElementDefinition.ChildTypeEnum.PRIMITIVE_DATATYPE
                    || e.getChildType() == BaseRuntimeElementDefinition.ChildTypeEnum.ID_DATATYPE);
        }

        boolean numeric() {
            if (system != null) {
                return system == SystemType.INTEGER || system == SystemType.DECIMAL || system == SystemType.ANY;
            }
            return !elements.isEmpty() && typeNames().stream().allMatch(n -> Set.of("decimal", "integer", "unsignedInt", "positiveInt", "integer64").contains(n));
        }

        /** Whether the values may be dates (date, dateTime, instant, or a date-time system value). */
        boolean dated() {
            if (system != null) {
                return system == SystemType.DATE_TIME || system == SystemType.ANY;
            }
            return elements.stream().anyMatch(e -> Set.of("date", "dateTime", "instant").contains(e.getName()));
        }

        boolean temporal() {
            if (system != null) {
                return system == SystemType.DATE_TIME || system == SystemType.STRING || system == SystemType.ANY;
            }
            return !elements.isEmpty() && typeNames().stream().allMatch(n -> Set.of("date", "dateTime", "instant").contains(n));
        }
    }

    private final FhirContext fhir;
    private final String field;

    /**
     * @param field the request field the expression came from, named in every error
     */
    FhirPathGuard(FhirContext fhir, String field) {
        this.fhir = fhir;
        this.field = field;
    }

    /** Walks an expression that starts at {@code start}; returns what it yields. */
    Focus check(ExpressionNode expression, Focus start) {
        return walk(expression, start, start);
    }

    private Focus walk(ExpressionNode node, Focus input, Focus context) {
        Focus out = switch (node.getKind()) {
            case Name -> name(node.getName(), input);
            case Function -> function(node, input, context);
            case Constant -> constant(node.getConstant());
            case Group, Unary -> walk(node.getGroup(), input, context);
        };
        if (node.getInner() != null) {
            out = walk(node.getInner(), out, context);
        }
        if (node.getOperation() != null) {
            out = operation(node.getOperation(), out, node.getOpNext(), input, context);
        }
        return out;
    }

    private Focus name(String name, Focus input) {
        if (name.equals("$this")) {
            return input;
        }
        if (name.equals("$index") || name.equals("$total")) {
            return Focus.system(SystemType.INTEGER);
        }
        if (input.system() != null) {
            throw refuse("no element '" + name + "' on a " + input.typeNames().iterator().next() + " value");
        }
        for (BaseRuntimeElementDefinition<?> element : input.elements()) {
            if (element instanceof RuntimeResourceDefinition resource && resource.getName().equals(name)) {
                return input; // a type name first, as in "Patient.birthDate"
            }
        }
        if (HIDDEN_ELEMENTS.contains(name)) {
            throw refuse("the element '" + name + "' is never visible to a statistical request");
        }
        Set<BaseRuntimeElementDefinition<?>> found = new LinkedHashSet<>();
        for (BaseRuntimeElementDefinition<?> element : input.elements()) {
            if (name.equals("display") && element.getName().equals("Reference")) {
                throw refuse("the element 'Reference.display' is free text and never visible to a statistical request");
            }
            if (name.equals("id")) {
                throw refuse("the element 'id': " + NO_KEYS);
            }
            if (name.equals("reference") && element.getName().equals("Reference")) {
                throw refuse("the element 'Reference.reference': " + NO_KEYS);
            }
            if (element instanceof BaseRuntimeElementCompositeDefinition<?> composite) {
                BaseRuntimeChildDefinition child = composite.getChildByName(name);
                if (child == null) {
                    child = composite.getChildByName(name + "[x]");
                }
                if (child instanceof RuntimeChildChoiceDefinition choice && !name.equals(choice.getElementName().replace("[x]", ""))) {
                    throw refuse("the element '" + name + "' is a choice, which FHIRPath names without its type: write "
                            + choice.getElementName().replace("[x]", "") + ".ofType(" + choice.getChildByName(name).getName() + ")");
                }
                if (child != null) {
                    for (String valid : child.getValidChildNames()) {
                        BaseRuntimeElementDefinition<?> type = child.getChildByName(valid);
                        if (type != null) {
                            found.add(type);
                        }
                    }
                }
            }
        }
        if (found.isEmpty()) {
            throw refuse("unknown element '" + name + "' on " + String.join("|", input.typeNames()));
        }
        for (BaseRuntimeElementDefinition<?> type : found) {
            if (HIDDEN_TYPES.contains(type.getName())) {
                throw refuse("the element '" + name + "' (a " + type.getName() + ") is never visible to a statistical request");
            }
        }
        return new Focus(found, null);
    }

    private Focus function(ExpressionNode node, Focus input, Focus context) {
        Function function = node.getFunction();
        List<ExpressionNode> parameters = node.getParameters();
        if (function == Function.Custom) {
            return custom(node, input);
        }
        if (function == Function.OfType || function == Function.As) {
            return narrow(typeName(parameters.get(0)), input);
        }
        if (function == Function.Is) {
            typeName(parameters.get(0));
            return Focus.system(SystemType.BOOLEAN);
        }
        boolean allowed = KEEP_FOCUS.contains(function) || TO_BOOLEAN.contains(function) || TO_STRING.contains(function)
                || TO_INTEGER.contains(function) || TO_DECIMAL.contains(function) || function == Function.Select
                || function == Function.Union || function == Function.Combine || function == Function.ToDateTime;
        if (!allowed) {
            throw refuse("the function " + node.getName() + "() is not allowed in statistical requests");
        }
        List<Focus> results = new ArrayList<>();
        for (ExpressionNode parameter : parameters) {
            // an iterating function's parameter runs once per item of the input, which is then $this
            results.add(ITERATING.contains(function) ? walk(parameter, input, input) : walk(parameter, context, context));
        }
        if (function == Function.Select) {
            return results.get(0);
        }
        if (function == Function.Union || function == Function.Combine) {
            return union(input, results.get(0));
        }
        if (KEEP_FOCUS.contains(function)) {
            return input;
        }
        if (TO_BOOLEAN.contains(function)) {
            return Focus.system(SystemType.BOOLEAN);
        }
        if (TO_STRING.contains(function)) {
            // a date written as a string is still the date: it may only be grouped by year, month or age band
            return Focus.system(input.dated() ? SystemType.DATE_TIME : SystemType.STRING);
        }
        if (TO_INTEGER.contains(function)) {
            return Focus.system(SystemType.INTEGER);
        }
        if (TO_DECIMAL.contains(function)) {
            return Focus.system(SystemType.DECIMAL);
        }
        return Focus.system(SystemType.DATE_TIME);
    }

    private Focus custom(ExpressionNode node, Focus input) {
        String name = node.getName();
        if (name.equals(ViewFunctions.RESOURCE_KEY) || name.equals(ViewFunctions.REFERENCE_KEY)) {
            throw refuse(name + "(): " + NO_KEYS);
        }
        throw refuse("unknown function " + name + "()");
    }

    private Focus narrow(String type, Focus input) {
        if (input.system() != null) {
            return input;
        }
        Set<BaseRuntimeElementDefinition<?>> kept = input.elements().stream()
                .filter(e -> e.getName().equalsIgnoreCase(type))
                .collect(Collectors.toCollection(LinkedHashSet::new));
        if (kept.isEmpty()) {
            throw refuse("a " + String.join("|", input.typeNames()) + " is never a " + type);
        }
        return new Focus(kept, null);
    }

    private String typeName(ExpressionNode node) {
        String name = node.getName();
        if ("FHIR".equals(name) && node.getInner() != null) {
            name = node.getInner().getName();
        } else if ("System".equals(name) && node.getInner() != null) {
            return node.getInner().getName();
        }
        if (name == null) {
            throw refuse("expected a type name");
        }
        boolean known;
        try {
            known = fhir.getElementDefinition(name) != null
                    || fhir.getResourceTypes().contains(name);
        } catch (RuntimeException e) {
            known = false;
        }
        if (!known) {
            throw refuse("unknown type " + name);
        }
        if (HIDDEN_TYPES.contains(name)) {
            throw refuse("the type " + name + " is never visible to a statistical request");
        }
        return name;
    }

    private Focus constant(Base constant) {
        if (constant instanceof FHIRConstant external) {
            String value = external.getValue();
            if (!CONSTANTS.contains(value)) {
                throw refuse("the constant " + value + " is not defined for statistical requests (only " + CONSTANTS.stream().sorted().toList() + ")");
            }
            return Focus.system(SystemType.STRING);
        }
        if (constant instanceof BooleanType) {
            return Focus.system(SystemType.BOOLEAN);
        }
        if (constant instanceof IntegerType) {
            return Focus.system(SystemType.INTEGER);
        }
        if (constant instanceof DecimalType) {
            return Focus.system(SystemType.DECIMAL);
        }
        if (constant instanceof StringType) {
            return Focus.system(SystemType.STRING);
        }
        if (constant != null && constant.fhirType().toLowerCase(Locale.ROOT).contains("date")) {
            return Focus.system(SystemType.DATE_TIME);
        }
        return Focus.system(SystemType.ANY);
    }

    private Focus operation(Operation operation, Focus left, ExpressionNode right, Focus input, Focus context) {
        if (operation == Operation.Is) {
            typeName(right);
            return Focus.system(SystemType.BOOLEAN);
        }
        if (operation == Operation.As) {
            return narrow(typeName(right), left);
        }
        if (operation == Operation.MemberOf) {
            throw refuse("the operator memberOf needs a terminology server and is not allowed in statistical requests");
        }
        Focus other = walk(right, input, context);
        return switch (operation) {
            case Union -> union(left, other);
            case Concatenate -> Focus.system(left.dated() || other.dated() ? SystemType.DATE_TIME : SystemType.STRING);
            case Plus, Minus, Times, DivideBy, Div, Mod -> left.numeric() ? Focus.system(SystemType.DECIMAL) : Focus.system(SystemType.ANY);
            default -> Focus.system(SystemType.BOOLEAN);
        };
    }

    private static Focus union(Focus a, Focus b) {
        if (a.system() != null || b.system() != null) {
            return Focus.system(a.system() == b.system() ? a.system() : SystemType.ANY);
        }
        Set<BaseRuntimeElementDefinition<?>> both = new LinkedHashSet<>(a.elements());
        both.addAll(b.elements());
        return new Focus(both, null);
    }

    private InvalidRequestException refuse(String message) {
        return new InvalidRequestException(field, field + ": " + message);
    }
}
